package packaging_test

import (
	"bytes"
	"encoding/json"
	"path"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The ECS files are decoded into the subset of the ECS API shapes they use,
// rejecting unknown fields, so a misspelt key fails here rather than at
// register-task-definition time.

type taskDefinition struct {
	Family                  string                `json:"family"`
	RequiresCompatibilities []string              `json:"requiresCompatibilities"`
	NetworkMode             string                `json:"networkMode"`
	CPU                     string                `json:"cpu"`
	Memory                  string                `json:"memory"`
	RuntimePlatform         map[string]string     `json:"runtimePlatform"`
	TaskRoleArn             string                `json:"taskRoleArn"`
	ExecutionRoleArn        string                `json:"executionRoleArn"`
	Volumes                 []volume              `json:"volumes"`
	ContainerDefinitions    []containerDefinition `json:"containerDefinitions"`
}

type volume struct {
	Name string `json:"name"`
	Host *struct {
		SourcePath string `json:"sourcePath"`
	} `json:"host"`
}

type containerDefinition struct {
	Name                   string         `json:"name"`
	Image                  string         `json:"image"`
	Essential              *bool          `json:"essential"`
	User                   string         `json:"user"`
	Command                []string       `json:"command"`
	CPU                    int            `json:"cpu"`
	Memory                 int            `json:"memory"`
	MemoryReservation      int            `json:"memoryReservation"`
	PortMappings           []portMapping  `json:"portMappings"`
	Environment            []keyValue     `json:"environment"`
	MountPoints            []mountPoint   `json:"mountPoints"`
	DependsOn              []dependency   `json:"dependsOn"`
	HealthCheck            *healthCheck   `json:"healthCheck"`
	StopTimeout            int            `json:"stopTimeout"`
	ReadonlyRootFilesystem bool           `json:"readonlyRootFilesystem"`
	RestartPolicy          *restartPolicy `json:"restartPolicy"`
	LinuxParameters        *linuxParams   `json:"linuxParameters"`
	Ulimits                []ulimit       `json:"ulimits"`
	LogConfiguration       *logConfig     `json:"logConfiguration"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort"`
	Protocol      string `json:"protocol"`
}

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type mountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

type dependency struct {
	ContainerName string `json:"containerName"`
	Condition     string `json:"condition"`
}

type healthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

type restartPolicy struct {
	Enabled              bool `json:"enabled"`
	RestartAttemptPeriod int  `json:"restartAttemptPeriod"`
}

type linuxParams struct {
	Capabilities struct {
		Drop []string `json:"drop"`
	} `json:"capabilities"`
}

type ulimit struct {
	Name      string `json:"name"`
	SoftLimit int    `json:"softLimit"`
	HardLimit int    `json:"hardLimit"`
}

type logConfig struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type service struct {
	Cluster                 string `json:"cluster"`
	ServiceName             string `json:"serviceName"`
	TaskDefinition          string `json:"taskDefinition"`
	LaunchType              string `json:"launchType"`
	SchedulingStrategy      string `json:"schedulingStrategy"`
	DeploymentConfiguration struct {
		MaximumPercent        int `json:"maximumPercent"`
		MinimumHealthyPercent int `json:"minimumHealthyPercent"`
	} `json:"deploymentConfiguration"`
	EnableECSManagedTags bool   `json:"enableECSManagedTags"`
	PropagateTags        string `json:"propagateTags"`
}

type iamPolicy struct {
	Version   string `json:"Version"`
	Statement []struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Principal map[string]string            `json:"Principal"`
		Action    string                       `json:"Action"`
		Resource  string                       `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	} `json:"Statement"`
}

// decodeStrict decodes packaging/<path> into v, rejecting unknown fields.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(repoFile(t, "packaging/"+path)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), path)
	require.False(t, dec.More(), "%s: trailing data", path)
}

func (td *taskDefinition) container(t *testing.T, name string) containerDefinition {
	t.Helper()
	for _, c := range td.ContainerDefinitions {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("task definition %s has no container %q", td.Family, name)
	return containerDefinition{}
}

func (c containerDefinition) env(name string) (string, bool) {
	for _, kv := range c.Environment {
		if kv.Name == name {
			return kv.Value, true
		}
	}
	return "", false
}

// requireAgent checks what both task definitions need of the agent's container.
func requireAgent(t *testing.T, c containerDefinition) {
	t.Helper()
	require.NotEmpty(t, c.Image)
	require.NotContains(t, c.Image, ":latest")
	require.Equal(t, []string{"CMD", "/cwagentd", "health"}, c.HealthCheck.Command, "exec form: the image has no shell")
	require.Positive(t, c.HealthCheck.Interval)
	require.Positive(t, c.HealthCheck.Retries)
	require.Less(t, c.HealthCheck.Timeout, c.HealthCheck.Interval)

	// Every CWAGENTD_* name and value is one the agent accepts. SIGTERM
	// -> final flush within shutdown_timeout, then the last OTLP push (2s);
	// ECS allows at most 120s.
	var env []string
	for _, kv := range c.Environment {
		env = append(env, kv.Name+"="+kv.Value)
	}
	shutdown := agentConfig(t, env).ShutdownTimeout
	stop := time.Duration(c.StopTimeout) * time.Second
	require.Greater(t, stop, shutdown+2*time.Second, "stopTimeout must exceed shutdown_timeout plus the last push")
	require.LessOrEqual(t, stop, 120*time.Second, "ECS caps stopTimeout at 120s")

	require.Positive(t, c.MemoryReservation)
	require.True(t, c.ReadonlyRootFilesystem)
	require.NotContains(t, []string{"0", "root"}, c.User, "the agent runs as the image's non-root user")
	require.Equal(t, []string{"ALL"}, c.LinuxParameters.Capabilities.Drop)
	_, ok := c.env("AWS_REGION")
	require.True(t, ok, "AWS_REGION: IMDS may be out of a container's reach (hop limit)")
	requireAwslogs(t, c)
}

func requireAwslogs(t *testing.T, c containerDefinition) {
	t.Helper()
	require.NotNil(t, c.LogConfiguration, c.Name)
	require.Equal(t, "awslogs", c.LogConfiguration.LogDriver)
	for _, o := range []string{"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} {
		require.NotEmpty(t, c.LogConfiguration.Options[o], "%s: %s", c.Name, o)
	}
}

func TestECSDaemon(t *testing.T) {
	var td taskDefinition
	decodeStrict(t, "ecs/daemon-task-definition.json", &td)
	require.Equal(t, []string{"EC2"}, td.RequiresCompatibilities, "daemons run on EC2 only")
	require.Equal(t, "bridge", td.NetworkMode)
	require.NotEmpty(t, td.TaskRoleArn, "the task role grants cloudwatch:PutMetricData")

	agent := td.container(t, "cwagentd")
	requireAgent(t, agent)
	require.True(t, *agent.Essential)
	require.Equal(t, []portMapping{{ContainerPort: 8125, HostPort: 8125, Protocol: "udp"}}, agent.PortMappings)
	udp, _ := agent.env("CWAGENTD_LISTEN_UDP")
	require.Equal(t, ":8125", udp, "bridge mode: listen on every interface inside the container")

	// The socket's directory (not the socket file) comes from the host.
	sock, _ := agent.env("CWAGENTD_LISTEN_UNIXGRAM")
	require.Equal(t, "/var/run/cwagentd/statsd.sock", sock)
	require.Len(t, agent.MountPoints, 1)
	mount := agent.MountPoints[0]
	require.Equal(t, path.Dir(sock), mount.ContainerPath)
	require.False(t, mount.ReadOnly)
	var hostPath string
	for _, v := range td.Volumes {
		if v.Name == mount.SourceVolume && v.Host != nil {
			hostPath = v.Host.SourcePath
		}
	}
	require.Equal(t, "/var/run/cwagentd", hostPath, "a host directory apps on the instance can mount too")

	// Docker creates the host directory root-owned: a root init container
	// hands it to the agent's uid (the image's USER) before the agent starts.
	require.Equal(t, []dependency{{ContainerName: "socket-dir", Condition: "SUCCESS"}}, agent.DependsOn)
	init := td.container(t, "socket-dir")
	require.False(t, *init.Essential)
	require.Equal(t, "0", init.User)
	require.Equal(t, []string{"chown", "65532:65532", mount.ContainerPath}, init.Command)
	require.Equal(t, agent.MountPoints, init.MountPoints)
	require.Positive(t, init.MemoryReservation)
	requireAwslogs(t, init)

	var svc service
	decodeStrict(t, "ecs/daemon-service.json", &svc)
	require.Equal(t, "DAEMON", svc.SchedulingStrategy)
	require.Equal(t, "EC2", svc.LaunchType)
	require.Equal(t, td.Family, svc.TaskDefinition)
	// hostPort 8125 fits one task per instance: stop the old one, then start.
	require.Equal(t, 100, svc.DeploymentConfiguration.MaximumPercent)
	require.Equal(t, 0, svc.DeploymentConfiguration.MinimumHealthyPercent)
}

func TestECSSidecar(t *testing.T) {
	var td taskDefinition
	decodeStrict(t, "ecs/sidecar-task-definition.json", &td)
	require.Equal(t, []string{"FARGATE"}, td.RequiresCompatibilities)
	require.Equal(t, "awsvpc", td.NetworkMode, "Fargate: the task's containers share 127.0.0.1")
	require.NotEmpty(t, td.CPU)
	require.NotEmpty(t, td.Memory)
	require.NotEmpty(t, td.TaskRoleArn)
	require.NotEmpty(t, td.ExecutionRoleArn, "Fargate pulls images and writes logs with the execution role")

	agent := td.container(t, "cwagentd")
	requireAgent(t, agent)
	require.Empty(t, agent.PortMappings, "the agent is for this task only")
	udp, _ := agent.env("CWAGENTD_LISTEN_UDP")
	require.Equal(t, "127.0.0.1:8125", udp)
	sock, ok := agent.env("CWAGENTD_LISTEN_UNIXGRAM")
	require.True(t, ok)
	require.Empty(t, sock, "no socket: the root filesystem is read-only and the app uses UDP")
	require.True(t, agent.RestartPolicy.Enabled, "non-essential, so restart it in place")

	app := td.container(t, "app")
	require.True(t, *app.Essential)
	require.Contains(t, app.DependsOn, dependency{ContainerName: "cwagentd", Condition: "HEALTHY"},
		"the app starts once the agent listens, and stops before it (its last metrics get flushed)")
	for name, want := range map[string]string{"STATSD_HOST": "127.0.0.1", "STATSD_PORT": "8125", "DD_AGENT_HOST": "127.0.0.1", "DD_DOGSTATSD_PORT": "8125"} {
		got, _ := app.env(name)
		require.Equal(t, want, got, name)
	}
	requireAwslogs(t, app)
}

func TestIAMPolicy(t *testing.T) {
	var p iamPolicy
	decodeStrict(t, "ecs/task-role-policy.json", &p)
	require.Equal(t, "2012-10-17", p.Version)
	require.Len(t, p.Statement, 1)
	s := p.Statement[0]
	require.Equal(t, "Allow", s.Effect)
	require.Equal(t, "cloudwatch:PutMetricData", s.Action)
	require.Equal(t, "*", s.Resource, "PutMetricData has no resource-level permissions")
	ns := s.Condition["StringEquals"]["cloudwatch:namespace"]
	require.Equal(t, "StatsD", ns, "the default cloudwatch.namespace")
	// The task definitions publish to the namespace the policy allows.
	for _, f := range []string{"ecs/daemon-task-definition.json", "ecs/sidecar-task-definition.json"} {
		var td taskDefinition
		decodeStrict(t, f, &td)
		got, ok := td.container(t, "cwagentd").env("CWAGENTD_CLOUDWATCH_NAMESPACE")
		if ok {
			require.Equal(t, ns, got, f)
		}
	}

	var trust iamPolicy
	decodeStrict(t, "ecs/task-role-trust.json", &trust)
	require.Equal(t, "ecs-tasks.amazonaws.com", trust.Statement[0].Principal["Service"])
	require.Equal(t, "sts:AssumeRole", trust.Statement[0].Action)
}
