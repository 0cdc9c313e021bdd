package metadata

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNames_AllHaveAnOrigin(t *testing.T) {
	require.Len(t, origins, len(Names))
	for i, n := range Names {
		o, ok := origins[n]
		require.True(t, ok, n)
		assert.Equal(t, i < 4, o == fromEC2, "EC2 names come first: %s", n)
	}
}

func TestValidate_Success(t *testing.T) {
	f := func(names ...string) {
		t.Helper()
		assert.NoError(t, Validate(names))
	}
	f()
	f("InstanceId")
	f("TaskARN", "InstanceId")
	f(Names...)
}

func TestValidate_Failure(t *testing.T) {
	f := func(names []string, want ...string) {
		t.Helper()
		err := Validate(names)
		require.Error(t, err)
		for _, w := range want {
			assert.Contains(t, err.Error(), w)
		}
		assert.Contains(t, err.Error(), "valid names, case-sensitive: InstanceId, InstanceType, ImageId, AvailabilityZone, ClusterName, TaskFamily, TaskARN, ContainerName")
	}
	f([]string{"Hostname"}, `"Hostname" is not a metadata dimension`)
	f([]string{"instanceid"}, `"instanceid" is not a metadata dimension (did you mean "InstanceId"?)`)
	f([]string{""}, `"" is not a metadata dimension`)
	f([]string{"InstanceId", "ClusterName", "InstanceId", "InstanceId"}, `"InstanceId" is listed twice`)
	f([]string{"Nope", "TaskARN", "TaskARN"}, `"Nope" is not a metadata dimension; "TaskARN" is listed twice (`)
}

func TestCheckValue(t *testing.T) {
	for _, tc := range []struct{ value, err string }{
		{"i-0123", ""},
		{"zone-ü", ""},
		{string(make([]byte, 1024)), "has a control character (U+0000) at byte 0"},
		{"", "is empty"},
		{string(make([]rune, 1025)), "is 1025 bytes, over CloudWatch's limit of 1024"},
		{"a\xffb", "is not valid UTF-8"},
	} {
		err := checkValue(tc.value)
		if tc.err == "" {
			assert.NoError(t, err, tc.value)
		} else {
			assert.EqualError(t, err, tc.err, quote(tc.value))
		}
	}
	long := make([]byte, 1024)
	for i := range long {
		long[i] = 'x'
	}
	assert.NoError(t, checkValue(string(long)), "1024 bytes is allowed")
}
