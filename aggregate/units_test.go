package aggregate

import (
	"testing"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
)

// unitNames is CloudWatch's list, as the SDK knows it.
func TestUnits_AreTheSDKs(t *testing.T) {
	var sdk []string
	for _, u := range types.StandardUnit("").Values() {
		sdk = append(sdk, string(u))
	}
	assert.ElementsMatch(t, sdk, unitNames[:])
	for i, u := range unitNames {
		assert.Equal(t, uint8(i), unitIndex(u))
	}
}

// A series' identity is per live series: 100k series at 80 bytes each. A
// field that pushes it to the next size class costs megabytes; think first.
func TestIdentity_Size(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(identity{}), uintptr(80))
}

// A distribution is allocated in the 128-byte size class, whose objects are
// cache-line aligned: its check, count and first values are read with one
// miss.
func TestDistribution_Size(t *testing.T) {
	size := unsafe.Sizeof(distribution{})
	assert.True(t, size > 112 && size <= 128, "%d bytes", size)
}
