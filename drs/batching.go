package drs

import (
	"sync"
	"sync/atomic"
)

// batchCount is how many calls n jobs take at the client's batch size.
func (c *Client) batchCount(n int) int {
	size := max(c.batchSize, 1)
	return (n + size - 1) / size
}

// forEachBatch splits n jobs into consecutive batches of at most the batch
// size (WithBatchSize; DRS takes at most 10 jobs a call) and calls fn for each
// with the batch's index and its bounds [lo, hi), running up to the client's
// concurrency (WithConcurrency) batches at once. It returns when all are done.
// fn writes only to its own batch's slots, so callers need no locking.
//
// With one batch, or a concurrency of 1, the batches run on the caller's
// goroutine, one after the other: a new goroutine would add nothing but its
// start-up and the growth of its small initial stack (8% of the CPU time of
// a one-job Precheck, docs/BENCHMARKS.md).
func (c *Client) forEachBatch(n int, fn func(batch, lo, hi int)) {
	size, batches := max(c.batchSize, 1), c.batchCount(n)
	if batches == 1 || c.concurrency <= 1 {
		for i := range batches {
			fn(i, i*size, min((i+1)*size, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(c.concurrency, 1), batches) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= batches {
					return
				}
				fn(i, i*size, min((i+1)*size, n))
			}
		})
	}
	wg.Wait()
}
