// Test doubles that need no test runner and no cluster, for unit tests of code that takes a
// KubeClient; not exported from the package root, so production code cannot pull them in.
export { MemoryKubeClient, type MemoryKubeClientOptions } from './memory-kube-client.js';
export { UnsupportedByMemoryKubeClient } from './unsupported.js';
