// Command controller runs Tekton Pipelines' controller (TaskRuns, PipelineRuns and resolution
// requests) for @roundhouse/testenv, with the flags of Tekton's cmd/controller.
package main

import (
	"flag"
	"log"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipelinerun"
	"github.com/tektoncd/pipeline/pkg/reconciler/resolutionrequest"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	"k8s.io/utils/clock"
	filteredinformerfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/signals"
	"roundhouse.local/tektonbin/run"
)

func main() {
	opts := &pipeline.Options{}
	flag.StringVar(&opts.Images.EntrypointImage, "entrypoint-image", "", "The container image containing our entrypoint binary.")
	flag.StringVar(&opts.Images.SidecarLogResultsImage, "sidecarlogresults-image", "", "The container image containing the binary for accessing results.")
	flag.StringVar(&opts.Images.NopImage, "nop-image", "", "The container image used to stop sidecars")
	flag.StringVar(&opts.Images.ShellImage, "shell-image", "", "The container image containing a shell")
	flag.StringVar(&opts.Images.ShellImageWin, "shell-image-win", "", "The container image containing a windows shell")
	flag.StringVar(&opts.Images.WorkingDirInitImage, "workingdirinit-image", "", "The container image containing our working dir init binary.")
	cfg := injection.ParseAndGetRESTConfigOrDie()
	if err := opts.Images.Validate(); err != nil {
		log.Fatal(err)
	}
	// Tekton's informers only see the pods it labels as its own.
	ctx := filteredinformerfactory.WithSelectors(signals.NewContext(), v1beta1.ManagedByLabelKey)
	run.Controllers(ctx, "tekton-pipelines-controller", cfg,
		taskrun.NewController(opts, clock.RealClock{}),
		pipelinerun.NewController(opts, clock.RealClock{}),
		resolutionrequest.NewController(clock.RealClock{}),
	)
}
