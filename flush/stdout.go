package flush

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Stdout prints each request as one JSON line in PutMetricData's own member
// names, instead of sending it: a dry run that needs no AWS account.
type Stdout struct {
	mu sync.Mutex
	W  io.Writer
}

type jsonRequest struct {
	Namespace  string      `json:"Namespace"`
	MetricData []jsonDatum `json:"MetricData"`
}

type jsonDatum struct {
	MetricName        string          `json:"MetricName"`
	Dimensions        []jsonDimension `json:"Dimensions,omitempty"`
	Timestamp         string          `json:"Timestamp"`
	Value             *float64        `json:"Value,omitempty"`
	StatisticValues   *jsonStatistics `json:"StatisticValues,omitempty"`
	Values            []float64       `json:"Values,omitempty"`
	Counts            []float64       `json:"Counts,omitempty"`
	Unit              string          `json:"Unit,omitempty"`
	StorageResolution int             `json:"StorageResolution"`
}

type jsonDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type jsonStatistics struct {
	SampleCount float64 `json:"SampleCount"`
	Sum         float64 `json:"Sum"`
	Minimum     float64 `json:"Minimum"`
	Maximum     float64 `json:"Maximum"`
}

// Publish writes r as one line.
func (s *Stdout) Publish(_ context.Context, r *Request) error {
	out := jsonRequest{Namespace: r.Namespace, MetricData: make([]jsonDatum, len(r.Datums))}
	ts := r.Timestamp.UTC().Format(time.RFC3339)
	for i := range r.Datums {
		d := &r.Datums[i]
		j := jsonDatum{MetricName: d.Name, Timestamp: ts, Values: d.Values, Counts: d.Counts,
			Unit: d.Unit, StorageResolution: r.Resolution}
		for _, dm := range d.Dimensions {
			j.Dimensions = append(j.Dimensions, jsonDimension(dm))
		}
		if d.HasValue {
			v := d.Value
			j.Value = &v
		} else {
			j.StatisticValues = (*jsonStatistics)(&d.Stats)
		}
		out.MetricData[i] = j
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.W.Write(append(b, '\n'))
	return err
}
