// Command go-reference is the yardstick `npm run bench` holds Roundhouse's WorkflowExecution
// controller against: the same lifecycle written the ordinary controller-runtime way, as small
// as it can be. It adds the finalizer while it creates the Job (the Job Roundhouse's job engine
// builds by default: named like its lock, "wfe-" + 16 hex of sha256(target), with the same
// labels, restricted security context and environment; the bench checks that the two agree,
// and test/bench-go-reference-job.test.ts keeps them agreeing through `--print-job`),
// marks the execution Running, and marks it Completed (or Failed) when the watched Job
// finishes. It has no cooldown, cleanup, events, policy or dependencies: it is the least a
// controller of this lifecycle must send, so what Roundhouse sends beyond it is visible.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap/zapcore"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var wfeKind = schema.GroupVersionKind{Group: "roundhouse.dev", Version: "v1alpha1", Kind: "WorkflowExecution"}

// The names Roundhouse's roundhouse conventions use, so both controllers produce the same Jobs.
const (
	finalizer       = "roundhouse.dev/execution-cleanup"
	ownerLabel      = "roundhouse.dev/workflow-execution"
	sourceNamespace = "roundhouse.dev/source-namespace"
	engineLabel     = "roundhouse.dev/execution-engine"
)

func newWorkflowExecution() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(wfeKind)
	return u
}

func jobName(target string) string {
	sum := sha256.Sum256([]byte(target))
	return "wfe-" + hex.EncodeToString(sum[:])[:16]
}

type reconciler struct {
	client.Client
	executionNamespace string
	// The phase each execution was last written to, by UID: the cache lags this controller's own
	// writes, and a reconcile woken by the finalizer patch must not create and mark it again.
	written sync.Map
}

var phaseRank = map[string]int{"": 0, "Pending": 0, "Running": 1, "Completed": 2, "Failed": 2}

func (r *reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	wfe := newWorkflowExecution()
	if err := r.Get(ctx, req.NamespacedName, wfe); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if wfe.GetDeletionTimestamp() != nil {
		return reconcile.Result{}, nil
	}
	phase, _, _ := unstructured.NestedString(wfe.Object, "status", "phase")
	if last, ok := r.written.Load(wfe.GetUID()); ok && phaseRank[last.(string)] > phaseRank[phase] {
		phase = last.(string)
	}
	target, _, _ := unstructured.NestedString(wfe.Object, "spec", "targetResource")
	name := jobName(target)
	switch phase {
	case "", "Pending":
		return reconcile.Result{}, r.start(ctx, wfe, name)
	case "Running":
		return reconcile.Result{}, r.observe(ctx, wfe, name)
	}
	return reconcile.Result{}, nil
}

// start adds the finalizer and creates the Job at the same time, then marks the execution Running.
func (r *reconciler) start(ctx context.Context, wfe *unstructured.Unstructured, name string) error {
	var wg sync.WaitGroup
	var finalizerErr error
	if !controllerutil.ContainsFinalizer(wfe, finalizer) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			patched := wfe.DeepCopy()
			controllerutil.AddFinalizer(patched, finalizer)
			finalizerErr = r.Patch(ctx, patched, client.MergeFrom(wfe))
		}()
	}
	createErr := r.Create(ctx, r.job(wfe, name))
	wg.Wait()
	if finalizerErr != nil {
		return finalizerErr
	}
	if createErr != nil && !apierrors.IsAlreadyExists(createErr) {
		return createErr
	}
	status := map[string]any{
		"phase":        "Running",
		"startTime":    time.Now().UTC().Format(time.RFC3339),
		"executionRef": map[string]any{"name": name},
	}
	return r.writeStatus(ctx, wfe, status)
}

// observe reads the Job from the cache and records its end.
func (r *reconciler) observe(ctx context.Context, wfe *unstructured.Unstructured, name string) error {
	job := &batchv1.Job{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: r.executionNamespace, Name: name}, job); err != nil {
		// Not in the cache yet: the Job's own event brings the execution back.
		return client.IgnoreNotFound(err)
	}
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue || (c.Type != batchv1.JobComplete && c.Type != batchv1.JobFailed) {
			continue
		}
		phase := "Completed"
		if c.Type == batchv1.JobFailed {
			phase = "Failed"
		}
		return r.writeStatus(ctx, wfe, map[string]any{
			"phase":          phase,
			"completionTime": time.Now().UTC().Format(time.RFC3339),
		})
	}
	return nil
}

func (r *reconciler) writeStatus(ctx context.Context, wfe *unstructured.Unstructured, status map[string]any) error {
	body, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return err
	}
	if err := r.Status().Patch(ctx, wfe, client.RawPatch(types.MergePatchType, body)); err != nil {
		return err
	}
	r.written.Store(wfe.GetUID(), status["phase"])
	return nil
}

// job is the Job Roundhouse builds for an execution with parameters but no timeout, service
// account, digest, resources or dependencies of its own (the bench's have none of these): a
// smaller one would spare the API server work for every write of the Job and its pod.
func (r *reconciler) job(wfe *unstructured.Unstructured, name string) *batchv1.Job {
	bundle, _, _ := unstructured.NestedString(wfe.Object, "spec", "workflowRef", "executionBundle")
	workflowID, _, _ := unstructured.NestedString(wfe.Object, "spec", "workflowRef", "workflowId")
	target, _, _ := unstructured.NestedString(wfe.Object, "spec", "targetResource")
	owner := labelValue(wfe.GetName())
	annotations := map[string]string{
		"roundhouse.dev/target-resource":        target,
		"roundhouse.dev/workflow-execution-uid": string(wfe.GetUID()),
	}
	if owner != wfe.GetName() {
		// A name the label cannot hold travels whole in an annotation, as in Roundhouse.
		annotations["roundhouse.dev/workflow-execution"] = wfe.GetName()
	}
	backoffLimit := int32(0)
	ttl := int32(600)
	// The example controller's default deadline (--default-timeout=1h), which its Jobs carry.
	deadline := int64(3600)
	yes, no := true, false
	seccomp := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: r.executionNamespace,
			Labels: map[string]string{
				ownerLabel:                       owner,
				"roundhouse.dev/workflow-id":     labelValue(workflowID),
				"roundhouse.dev/target-resource": targetLabelValue(target),
				sourceNamespace:                  labelValue(wfe.GetNamespace()),
				engineLabel:                      "job",
			},
			Annotations: annotations,
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:            &backoffLimit,
			TTLSecondsAfterFinished: &ttl,
			ActiveDeadlineSeconds:   &deadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: map[string]string{ownerLabel: owner, engineLabel: "job"},
					// Roundhouse's pods carry their execution's uid, so a Job deleted with
					// --cascade=orphan leaves pods its cleanup can still find.
					Annotations: map[string]string{"roundhouse.dev/workflow-execution-uid": string(wfe.GetUID())},
				},
				Spec: corev1.PodSpec{
					// The restricted profile's: no variables naming the namespace's Services.
					EnableServiceLinks: &no,
					RestartPolicy:      corev1.RestartPolicyNever,
					ServiceAccountName: "roundhouse-workflow-runner",
					SecurityContext:    &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: seccomp},
					Containers: []corev1.Container{{
						Name:  "workflow",
						Image: bundle,
						Env:   env(target, wfe),
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             &yes,
							AllowPrivilegeEscalation: &no,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							ReadOnlyRootFilesystem:   &yes,
							SeccompProfile:           seccomp,
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}

// env is the container's environment as Roundhouse writes it: TARGET_RESOURCE, the parameters
// sorted by name, then HOME and TMPDIR on the writable /tmp (a TMPDIR parameter keeps its own
// value). Every "$" is doubled so the kubelet passes the author's text on unexpanded.
func env(target string, wfe *unstructured.Unstructured) []corev1.EnvVar {
	parameters, _, _ := unstructured.NestedStringMap(wfe.Object, "spec", "parameters")
	literal := func(value string) string { return strings.ReplaceAll(value, "$", "$$") }
	vars := []corev1.EnvVar{{Name: "TARGET_RESOURCE", Value: literal(target)}}
	for _, name := range slices.Sorted(maps.Keys(parameters)) {
		vars = append(vars, corev1.EnvVar{Name: name, Value: literal(parameters[name])})
	}
	for _, name := range []string{"HOME", "TMPDIR"} {
		if _, set := parameters[name]; !set {
			vars = append(vars, corev1.EnvVar{Name: name, Value: "/tmp"})
		}
	}
	return vars
}

// ownerOf maps a Job back to its execution by its labels.
func ownerOf(_ context.Context, job client.Object) []reconcile.Request {
	l := job.GetLabels()
	if l[ownerLabel] == "" || l[sourceNamespace] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: l[sourceNamespace], Name: l[ownerLabel]}}}
}

func main() {
	// --kubeconfig (the controller's identity) is controller-runtime's own flag, read by GetConfig.
	watchNamespace := flag.String("watch-namespace", "", "namespace of the WorkflowExecutions")
	executionNamespace := flag.String("execution-namespace", "", "namespace of the Jobs")
	workers := flag.Int("workers", 4, "concurrent reconciles")
	// Roundhouse's client has no client-side rate limit; the reference does not get one either.
	qps := flag.Float64("qps", -1, "client-side request rate limit; negative for none")
	roundTripsPath := flag.String("round-trips", "", "file to append each request's round trip to")
	printJob := flag.Bool("print-job", false,
		"print the Job built for each execution read as JSON from stdin, one a line, and exit (no cluster)")
	flag.Parse()
	if *printJob {
		if err := printJobs(os.Stdin, os.Stdout, *executionNamespace); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	ctrl.SetLogger(zap.New(zap.Level(zapcore.ErrorLevel)))
	if err := run(*watchNamespace, *executionNamespace, *workers, float32(*qps), *roundTripsPath); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(watchNamespace, executionNamespace string, workers int, qps float32, roundTripsPath string) error {
	config, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	config.QPS = qps
	wrap, err := timeRoundTrips(roundTripsPath)
	if err != nil {
		return err
	}
	if wrap != nil {
		config.Wrap(wrap)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	owned, err := labels.NewRequirement(ownerLabel, selection.Exists, nil)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			newWorkflowExecution(): {Namespaces: map[string]cache.Config{watchNamespace: {}}},
			&batchv1.Job{}: {
				Namespaces: map[string]cache.Config{executionNamespace: {}},
				Label:      labels.NewSelector().Add(*owned),
			},
		}},
		// Reads of executions come from the cache, as typed objects' do by default.
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		return err
	}
	r := &reconciler{Client: mgr.GetClient(), executionNamespace: executionNamespace}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("workflowexecution").
		For(newWorkflowExecution()).
		Watches(&batchv1.Job{}, handler.EnqueueRequestsFromMapFunc(ownerOf)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
	if err != nil {
		return err
	}
	// The bench starts its clock once the caches are synced.
	err = mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			fmt.Println("ready")
		}
		<-ctx.Done()
		return nil
	}))
	if err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
