package metadata

import (
	"context"
	"fmt"
	"strings"
)

// envECS is set by the ECS container agent 1.39+ (EC2 launch type) and
// Fargate platform 1.4+ in every container of a task.
const envECS = "ECS_CONTAINER_METADATA_URI_V4"

// taskMetadata is the part of ${URI}/task we use.
type taskMetadata struct {
	Cluster string // an ARN (arn:aws:ecs:region:account:cluster/name) or a bare name
	TaskARN string
	Family  string
}

// containerMetadata is the part of ${URI} (the agent's own container) we use.
type containerMetadata struct {
	Name string
}

// lookupECS adds the ECS names to got, asking /task only for task names and
// the container path only for ContainerName.
func (s *Source) lookupECS(ctx context.Context, names []string, got map[string]sourced) []error {
	v := s.env(envECS)
	if v == "" {
		return []error{fmt.Errorf("%s: not running in an ECS task (%s is not set: the task metadata endpoint v4 is absent); remove %s from dimensions.metadata, or run in an ECS task with container agent 1.39+ (EC2) or platform version 1.4+ (Fargate)",
			nameList(names), envECS, nameList(names))}
	}
	base, err := baseURL(envECS, v)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", nameList(names), err)}
	}
	var task, container []string
	for _, n := range names {
		if origins[n] == fromECSTask {
			task = append(task, n)
		} else {
			container = append(container, n)
		}
	}
	var errs []error
	if len(task) > 0 {
		url := base + "/task"
		var t taskMetadata
		if err := s.getJSON(ctx, url, nil, &t); err != nil {
			errs = append(errs, fmt.Errorf("%s: ECS task metadata: %w", nameList(task), err))
		} else {
			values := map[string]string{"ClusterName": clusterName(t.Cluster), "TaskFamily": t.Family, "TaskARN": t.TaskARN}
			for _, n := range task {
				got[n] = sourced{value: values[n], from: url}
			}
		}
	}
	if len(container) > 0 {
		var c containerMetadata
		if err := s.getJSON(ctx, base, nil, &c); err != nil {
			errs = append(errs, fmt.Errorf("%s: ECS container metadata: %w", nameList(container), err))
		} else {
			got["ContainerName"] = sourced{value: c.Name, from: base}
		}
	}
	return errs
}

// clusterName is the name in a cluster ARN (after the last '/'), or the
// bare name as given.
func clusterName(cluster string) string {
	return cluster[strings.LastIndexByte(cluster, '/')+1:]
}
