// Command resolvers runs Tekton Pipelines' bundles resolver for @roundhouse/testenv: the only
// remote resolver a Roundhouse PipelineRun uses.
package main

import (
	"github.com/tektoncd/pipeline/pkg/apis/resolution/v1alpha1"
	"github.com/tektoncd/pipeline/pkg/remoteresolution/resolver/bundle"
	"github.com/tektoncd/pipeline/pkg/remoteresolution/resolver/framework"
	filteredinformerfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/signals"
	"roundhouse.local/tektonbin/run"
)

func main() {
	cfg := injection.ParseAndGetRESTConfigOrDie()
	ctx := filteredinformerfactory.WithSelectors(signals.NewContext(), v1alpha1.ManagedByLabelKey)
	run.Controllers(ctx, "tekton-pipelines-resolvers", cfg, framework.NewController(ctx, &bundle.Resolver{}))
}
