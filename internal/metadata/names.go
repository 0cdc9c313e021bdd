package metadata

import (
	"fmt"
	"strings"
)

// Names lists every supported dimension name, EC2 ones then ECS ones.
var Names = []string{"InstanceId", "InstanceType", "ImageId", "AvailabilityZone", "ClusterName", "TaskFamily", "TaskARN", "ContainerName"}

// Dimension is one looked-up CloudWatch dimension.
type Dimension struct{ Name, Value string }

// origin is the endpoint a name's value comes from.
type origin int

const (
	fromEC2          origin = iota // the IMDS instance identity document
	fromECSTask                    // TMDE v4 ${URI}/task
	fromECSContainer               // TMDE v4 ${URI}, the agent's own container
)

var origins = map[string]origin{
	"InstanceId":       fromEC2,
	"InstanceType":     fromEC2,
	"ImageId":          fromEC2,
	"AvailabilityZone": fromEC2,
	"ClusterName":      fromECSTask,
	"TaskFamily":       fromECSTask,
	"TaskARN":          fromECSTask,
	"ContainerName":    fromECSContainer,
}

// Validate reports every unknown or repeated name in one error that lists
// the valid names. Names are case-sensitive: they become CloudWatch
// dimension names as written.
func Validate(names []string) error {
	var problems []string
	seen := make(map[string]int, len(names))
	for _, n := range names {
		seen[n]++
		switch {
		case seen[n] == 2:
			problems = append(problems, fmt.Sprintf("%q is listed twice", n))
		case seen[n] == 1 && !known(n):
			problems = append(problems, fmt.Sprintf("%q is not a metadata dimension%s", n, suggest(n)))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("metadata dimensions: %s (valid names, case-sensitive: %s)",
		strings.Join(problems, "; "), strings.Join(Names, ", "))
}

func known(name string) bool {
	_, ok := origins[name]
	return ok
}

// suggest names the valid name that differs from name only in case.
func suggest(name string) string {
	for _, n := range Names {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf(" (did you mean %q?)", n)
		}
	}
	return ""
}
