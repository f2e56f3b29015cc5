/*
Copyright 2026 The Vermont Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package worker

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/time/rate"

	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

// Generator sends records rendered from templates at a fixed rate per
// worker, optionally up to a count, with bounded memory: at most
// `concurrency` batches exist at once.
type Generator struct {
	Config   *workerconfig.Generator
	Template *RecordTemplate
	Writer   *kafka.Writer
	Metrics  *Metrics
	Health   *Health
	Log      *slog.Logger
	// FlushTimeout bounds the writes still in flight at shutdown.
	FlushTimeout time.Duration
}

// generatorPlan is how the generator paces itself for a rate.
type generatorPlan struct {
	batch       int // records per WriteMessages call
	concurrency int // WriteMessages calls in flight
	renderers   int // goroutines rendering batches
	limit       rate.Limit
}

// planGenerator picks the batch size and concurrency for a rate: about 20
// calls per second when rate limited (so the rate is smooth, each call
// small, and seq in order), big batches, several calls in flight and one
// renderer per CPU when unlimited (rendering is the bottleneck there).
func planGenerator(ratePerSecond, cpus int) generatorPlan {
	if ratePerSecond <= 0 {
		return generatorPlan{batch: 2000, concurrency: 8, renderers: min(max(cpus, 1), 4), limit: rate.Inf}
	}
	return generatorPlan{batch: min(max(ratePerSecond/20, 1), 1000), concurrency: 1, renderers: 1, limit: rate.Limit(ratePerSecond)}
}

// Run sends records until ctx ends or the count is reached; then it idles
// until ctx ends, because a Deployment would restart a worker that exits.
func (g *Generator) Run(ctx context.Context) error {
	plan := planGenerator(g.Config.RatePerSecond, runtime.GOMAXPROCS(0))
	limiter := rate.NewLimiter(plan.limit, plan.batch)
	batches := make(chan []kafka.Message, plan.concurrency)

	quota := &recordQuota{count: g.Config.Count}
	renderErrs := make(chan error, plan.renderers)
	// A renderer that fails stops the others: the worker exits with its error.
	renderCtx, stopRendering := context.WithCancel(ctx)
	defer stopRendering()
	var renderers sync.WaitGroup
	for i := range plan.renderers {
		tmpl := g.Template
		if i > 0 {
			tmpl = tmpl.Fork()
		}
		renderers.Go(func() {
			err := g.render(renderCtx, tmpl, limiter, quota, plan.batch, batches)
			if err != nil {
				stopRendering()
			}
			renderErrs <- err
		})
	}
	go func() {
		renderers.Wait()
		close(batches)
		close(renderErrs)
	}()

	// Writes in flight finish after ctx ends, within FlushTimeout, so that a
	// shutdown does not abandon records Kafka may already have.
	writeCtx, cancelWrites := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWrites()
	stop := context.AfterFunc(ctx, func() {
		time.AfterFunc(g.FlushTimeout, cancelWrites)
	})
	defer stop()

	var wg sync.WaitGroup
	for range plan.concurrency {
		wg.Go(func() {
			for msgs := range batches {
				g.write(writeCtx, msgs)
			}
		})
	}
	wg.Wait()
	for err := range renderErrs {
		if err != nil {
			return err
		}
	}
	if ctx.Err() == nil {
		g.Log.Info("Generator sent its count; idling until stopped", "count", g.Config.Count)
		<-ctx.Done()
	}
	return nil
}

// recordQuota hands out the records renderers may render, up to count (0:
// no limit), so that several renderers send exactly count records.
type recordQuota struct {
	mu    sync.Mutex
	count int64
	taken int64
}

func (q *recordQuota) take(n int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count > 0 {
		n = int(min(int64(n), q.count-q.taken))
	}
	q.taken += int64(n)
	return n
}

func (g *Generator) render(ctx context.Context, tmpl *RecordTemplate, limiter *rate.Limiter, quota *recordQuota, batch int, out chan<- []kafka.Message) error {
	for {
		n := quota.take(batch)
		if n == 0 {
			return nil
		}
		if err := limiter.WaitN(ctx, n); err != nil {
			return nil // ctx ended
		}
		msgs := make([]kafka.Message, n)
		for i := range msgs {
			key, value, err := tmpl.Render()
			if err != nil {
				return err
			}
			msgs[i] = kafka.Message{Key: key, Value: value}
		}
		select {
		case out <- msgs:
		case <-ctx.Done():
			return nil
		}
	}
}

// write retries a batch until Kafka takes it or the write context ends: a
// generated record is never dropped silently.
func (g *Generator) write(ctx context.Context, msgs []kafka.Message) {
	backoff := 100 * time.Millisecond
	for {
		err := g.Writer.WriteMessages(ctx, msgs...)
		if err == nil {
			g.Metrics.Produced.Add(float64(len(msgs)))
			g.Health.SetReady(true, "")
			return
		}
		if ctx.Err() != nil {
			g.Metrics.ProduceFailures.Add(float64(len(msgs)))
			g.Log.Error("Shutdown abandoned records not acknowledged by Kafka", "records", len(msgs), "err", err)
			return
		}
		g.Health.SetReady(false, "writing to Kafka fails: "+err.Error())
		g.Log.Warn("Writing to Kafka failed; retrying", "records", len(msgs), "backoff", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}
