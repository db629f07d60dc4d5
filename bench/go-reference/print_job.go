package main

import (
	"encoding/json"
	"errors"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// printJobs writes, one JSON line each, the Job the reconciler creates for each execution read
// from in (JSON objects as the API server returns executions), without a cluster. A test holds
// these Jobs to the job engine's (test/bench-go-reference-job.test.ts): the bench compares the
// two controllers only while they create the same Job, and a drift must fail `npm test`, not
// the next bench.
func printJobs(in io.Reader, out io.Writer, executionNamespace string) error {
	r := &reconciler{executionNamespace: executionNamespace}
	decoder := json.NewDecoder(in)
	encoder := json.NewEncoder(out)
	for {
		var object map[string]any
		if err := decoder.Decode(&object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		wfe := &unstructured.Unstructured{Object: object}
		target, _, _ := unstructured.NestedString(wfe.Object, "spec", "targetResource")
		job := r.job(wfe, jobName(target))
		// The client sets the type from its scheme when it creates the Job; printed, it must say.
		job.TypeMeta = metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}
		if err := encoder.Encode(job); err != nil {
			return err
		}
	}
}
