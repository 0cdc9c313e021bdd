package fakecw

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMerge(t *testing.T) {
	one := 7.0
	st := Merge([]Datum{
		{StatisticValues: &StatisticSet{SampleCount: 3, Sum: 6, Minimum: 1, Maximum: 3}, Values: []float64{1, 2, 3}, Counts: []float64{1, 1, 1}},
		{StatisticValues: &StatisticSet{SampleCount: 5, Sum: 50, Minimum: 4, Maximum: 20}, Values: []float64{4, 20}, Counts: []float64{4, 1}},
		{Value: &one},
	})
	assert.Equal(t, StatisticSet{SampleCount: 9, Sum: 63, Minimum: 1, Maximum: 20}, st.StatisticSet)
	assert.Equal(t, []float64{1, 2, 3, 4, 7, 20}, st.Values)
	assert.Equal(t, []float64{1, 1, 1, 4, 1, 1}, st.Counts)
	assert.Equal(t, 1.0, st.Percentile(0.1))
	assert.Equal(t, 4.0, st.Percentile(0.5))
	assert.Equal(t, 7.0, st.Percentile(8.0/9))
	assert.Equal(t, 20.0, st.Percentile(1))
	assert.True(t, math.IsNaN(Merge(nil).Percentile(0.5)))
}
