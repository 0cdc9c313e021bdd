// Package metadata owns the optional metadata dimensions the agent can add to
// its datums: facts about the EC2 instance (from the instance metadata
// service, IMDSv2 only) and the ECS task (from the task metadata endpoint
// v4). Lookup asks once; Watch asks at start and then rarely, and hands each
// changed result to the caller.
//
// It must never be on a hot path: nothing here runs per line or per datum;
// the caller keeps the applied []Dimension. It asks an endpoint only for a
// name that was configured, never goes through an HTTP proxy or follows a
// redirect with its default client, and never turns a value CloudWatch would
// reject into a dimension.
package metadata
