package metadata

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ecsNames = []string{"ClusterName", "TaskFamily", "TaskARN", "ContainerName"}

const taskARN = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"

func TestLookup_ECS(t *testing.T) {
	for _, tc := range []struct {
		name, cluster string
		names         []string
		want          []Dimension
		task, cont    int // expected hits on /task and the container path
	}{
		{"cluster ARN", "arn:aws:ecs:us-east-1:123456789012:cluster/prod", ecsNames,
			[]Dimension{{"ClusterName", "prod"}, {"TaskFamily", "checkout"}, {"TaskARN", taskARN}, {"ContainerName", "cwagentd"}}, 1, 1},
		{"bare cluster name", "default", ecsNames,
			[]Dimension{{"ClusterName", "default"}, {"TaskFamily", "checkout"}, {"TaskARN", taskARN}, {"ContainerName", "cwagentd"}}, 1, 1},
		{"task names only", "prod", []string{"TaskARN", "ClusterName"},
			[]Dimension{{"TaskARN", taskARN}, {"ClusterName", "prod"}}, 1, 0},
		{"container name only", "prod", []string{"ContainerName"},
			[]Dimension{{"ContainerName", "cwagentd"}}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmde := newFakeTMDE(t)
			tmde.set(func(f *fakeTMDE) { f.task["Cluster"] = tc.cluster })
			s := &Source{Env: env(map[string]string{
				envECS:          tmde.uri(),
				envIMDSEndpoint: unreachable(t), // no EC2 name: never asked
			})}
			got, err := s.Lookup(context.Background(), tc.names)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.task, tmde.hitCount(tmdePath+"/task"))
			assert.Equal(t, tc.cont, tmde.hitCount(tmdePath))
		})
	}
}

func TestLookup_ECSEnvMissing(t *testing.T) {
	s := &Source{Env: env(nil)}
	got, err := s.Lookup(context.Background(), []string{"ClusterName", "ContainerName"})
	assert.Empty(t, got)
	assert.EqualError(t, err, "metadata lookup: ClusterName, ContainerName: not running in an ECS task (ECS_CONTAINER_METADATA_URI_V4 is not set: the task metadata endpoint v4 is absent); remove ClusterName, ContainerName from dimensions.metadata, or run in an ECS task with container agent 1.39+ (EC2) or platform version 1.4+ (Fargate)")

	s = &Source{Env: env(map[string]string{envECS: "169.254.170.2/v4/abc"})}
	_, err = s.Lookup(context.Background(), []string{"TaskARN"})
	assert.EqualError(t, err, `metadata lookup: TaskARN: ECS_CONTAINER_METADATA_URI_V4="169.254.170.2/v4/abc" is not an http:// or https:// URL`)
}

func TestClusterName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:ecs:us-east-1:123456789012:cluster/prod": "prod",
		"prod": "prod",
		"arn:aws:ecs:us-east-1:123456789012:cluster/": "",
		"": "",
	} {
		assert.Equal(t, want, clusterName(in), in)
	}
}
