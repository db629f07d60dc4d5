// Package run starts knative controllers the way Tekton's own binaries do through
// knative's sharedmain, minus what a test control plane must not have: the health-probe
// server on the fixed port :8080 (two Tekton processes would collide), the profiling server
// on every interface, leader election (one replica) and metrics exporters.
package run

import (
	"context"

	"go.uber.org/zap"
	"k8s.io/client-go/rest"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/logging"
)

// ReadyLine is logged once the informers are synced and the controllers start; the test
// environment waits for it.
const ReadyLine = "roundhouse: controllers started"

// Controllers runs the controllers until ctx ends (SIGTERM).
func Controllers(ctx context.Context, component string, cfg *rest.Config, ctors ...injection.ControllerConstructor) {
	// Client-side throttling would only slow the tests down; the apiserver is ours alone.
	cfg.QPS = 50
	cfg.Burst = 100
	ctx, startInformers := injection.EnableInjectionOrDie(ctx, cfg)
	logger, _ := sharedmain.SetupLoggerOrDie(ctx, component)
	defer func() { _ = logger.Sync() }()
	ctx = logging.WithLogger(ctx, logger)

	cmw := sharedmain.SetupConfigMapWatchOrDie(ctx, logger)
	controllers, _ := sharedmain.ControllersAndWebhooksFromCtors(ctx, cmw, ctors...)
	if err := cmw.Start(ctx.Done()); err != nil {
		logger.Fatalw("Failed to start configmap watcher", zap.Error(err))
	}
	startInformers()
	logger.Info(ReadyLine)
	if err := controller.StartAll(ctx, controllers...); err != nil {
		logger.Fatalw("Controllers stopped", zap.Error(err))
	}
}
