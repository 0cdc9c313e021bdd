package flush

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cwagentd/cwagentd/aggregate"
)

// PutMetricDataAPI is the one SDK call the agent makes; *cloudwatch.Client
// has it.
type PutMetricDataAPI interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// CloudWatch publishes through the AWS SDK. The client must have its retryer
// off (aws.NopRetryer): the Flusher owns retries.
type CloudWatch struct{ API PutMetricDataAPI }

// Publish sends r as one PutMetricData call.
func (c CloudWatch) Publish(ctx context.Context, r *Request) error {
	_, err := c.API.PutMetricData(ctx, toInput(r))
	return err
}

func toInput(r *Request) *cloudwatch.PutMetricDataInput {
	in := &cloudwatch.PutMetricDataInput{
		Namespace:  aws.String(r.Namespace),
		MetricData: make([]types.MetricDatum, len(r.Datums)),
	}
	for i := range r.Datums {
		in.MetricData[i] = toDatum(&r.Datums[i], r.Timestamp, r.Resolution)
	}
	return in
}

func toDatum(d *aggregate.Datum, ts time.Time, resolution int) types.MetricDatum {
	m := types.MetricDatum{
		MetricName:        aws.String(d.Name),
		Timestamp:         aws.Time(ts),
		StorageResolution: aws.Int32(int32(resolution)),
		Values:            d.Values,
		Counts:            d.Counts,
	}
	if d.Unit != "" {
		m.Unit = types.StandardUnit(d.Unit)
	}
	if d.Dimensions != nil {
		m.Dimensions = make([]types.Dimension, len(d.Dimensions))
		for i, dm := range d.Dimensions {
			m.Dimensions[i] = types.Dimension{Name: aws.String(dm.Name), Value: aws.String(dm.Value)}
		}
	}
	if d.HasValue {
		m.Value = aws.Float64(d.Value)
	} else {
		s := d.Stats
		m.StatisticValues = &types.StatisticSet{SampleCount: &s.SampleCount, Sum: &s.Sum, Minimum: &s.Minimum, Maximum: &s.Maximum}
	}
	return m
}
