package main

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"
)

// roundTrips writes one line per answered request that is not a watch: the time its headers
// came back (Unix ms), its method, its path and how long it took from being handed to the
// transport to its response's headers, in ms. The bench reads the lines in its measured window
// and sets them beside the API server's own figures, as it does for Roundhouse's.
type roundTrips struct {
	next http.RoundTripper
	mu   *sync.Mutex
	out  *os.File
}

func (t roundTrips) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.next.RoundTrip(req)
	if err != nil || req.URL.Query().Get("watch") != "" {
		return res, err
	}
	end := time.Now()
	line := fmt.Sprintf("%d\t%s\t%s\t%.3f\n", end.UnixMilli(), req.Method, req.URL.Path,
		float64(end.Sub(start).Microseconds())/1000)
	t.mu.Lock()
	defer t.mu.Unlock()
	// A lost line only thins the sample; it must not fail the request.
	_, _ = t.out.WriteString(line)
	return res, err
}

// timeRoundTrips wraps every transport the config builds, or returns nil without a path.
func timeRoundTrips(path string) (func(http.RoundTripper) http.RoundTripper, error) {
	if path == "" {
		return nil, nil
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	mu := &sync.Mutex{}
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTrips{next: next, mu: mu, out: out}
	}, nil
}
