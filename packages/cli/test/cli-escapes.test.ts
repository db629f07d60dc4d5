import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, kubeconfigFile } from './support.js';

// OSC 52 writes the viewer's clipboard, CSI 2J clears the screen; the CRD accepts both.
const osc = '\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007\u001b[2J';
const escaped = '\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07\\x1b[2J';
/** What no output of get or describe may hold raw: controls other than the line ends, format characters. */
const hidden = /[^\P{Cc}\n]|\p{Cf}/u;

describeWithControlPlane(
  'kubectl roundhouse on an execution whose author wrote escape sequences',
  () => {
    const env = useTestNamespace({ prefix: 'cli-escapes' });
    let kubeconfig: string;

    beforeAll(async () => {
      kubeconfig = await kubeconfigFile(env.kubeConfig);
      const client = new KubeClient(env.kubeConfig);
      await ensureWorkflowExecutionCrd(client);
      // No controller watches this namespace: the status is the test's own.
      const { object } = await client.create<KubeObject>(workflowExecutions, env.namespace, {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        // A C1 CSI: to a terminal that takes 8-bit controls, the start of a sequence.
        metadata: {
          name: 'hostile',
          namespace: env.namespace,
          annotations: { note: 'c1\u009b2J' },
        },
        spec: {
          // The engine and the target have patterns the CRD checks; the unit tests cover them.
          executionEngine: 'job',
          targetResource: 'prod/deployment/x',
          workflowRef: {
            workflowId: `restart${osc}`,
            version: '1\u202e2',
            executionBundle: 'registry.invalid/restart:1',
          },
          parameters: { GREETING: 'grüß dich 你好 👋', NOTE: `a\nPhase: Completed${osc}` },
        },
      });
      const now = new Date().toISOString();
      await client.patch(
        workflowExecutions,
        env.namespace,
        'hostile',
        {
          status: {
            phase: 'Failed',
            startTime: now,
            completionTime: now,
            failureDetails: {
              reason: 'TaskFailed',
              message: `exited${osc}`,
              failedAt: now,
              wasExecutionFailure: true,
            },
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'TaskFailed',
                message: `\u2066condition${osc}`,
                lastTransitionTime: now,
              },
            ],
          },
        },
        { subresource: 'status' },
      );
      await client.create(resources.events, env.namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'hostile.1', namespace: env.namespace },
        involvedObject: {
          apiVersion: 'roundhouse.dev/v1alpha1',
          kind: 'WorkflowExecution',
          name: 'hostile',
          namespace: env.namespace,
          uid: object.metadata?.uid,
        },
        type: 'Warning',
        reason: 'WorkflowFailed',
        message: `event${osc}`,
        lastTimestamp: now,
        source: { component: 'test' },
      });
    });

    it('get prints every field escaped, in columns measured on the escaped text', async () => {
      const result = await cli(['get', '-o', 'wide'], { kubeconfig });
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(hidden);
      const [header, row] = result.stdout.split('\n') as [string, string];
      expect(row).toMatch(
        new RegExp(
          `^hostile +Failed +job +prod/deployment/x +\\d+s +TaskFailed +restart${literal(escaped)}:1\\\\u202e2 +`,
        ),
      );
      for (const column of ['REASON', 'WORKFLOW', 'DURATION']) {
        expect(row[header.indexOf(column) - 1]).toBe(' ');
        expect(row[header.indexOf(column)]).not.toBe(' ');
      }
    });

    it('-o json and -o yaml escape every hidden character, and read back as the object', async () => {
      for (const output of ['json', 'yaml']) {
        const result = await cli(['get', 'hostile', '-o', output], { kubeconfig });
        expect(result.code).toBe(0);
        expect(result.stdout).not.toMatch(/[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u);
        const object = output === 'json' ? JSON.parse(result.stdout) : parse(result.stdout);
        expect(object.metadata.annotations).toEqual({ note: 'c1\u009b2J' });
        expect(object.spec.workflowRef).toMatchObject({
          workflowId: `restart${osc}`,
          version: '1\u202e2',
        });
        expect(object.spec.parameters.NOTE).toBe(`a\nPhase: Completed${osc}`);
      }
    });

    it('describe prints every field, condition and event escaped; UTF-8 as is', async () => {
      const result = await cli(['describe', 'hostile'], { kubeconfig });
      expect(result.code).toBe(0);
      const text = result.stdout;
      expect(text).not.toMatch(hidden);
      expect(text).toContain(`\nWorkflow:   restart${escaped} 1\\u202e2\n`);
      expect(text).toContain(
        `\nParameters: GREETING=grüß dich 你好 👋, NOTE=a\\nPhase: Completed${escaped}\n`,
      );
      expect(text).toMatch(/^Phase: +Failed$/m);
      expect(text).not.toMatch(/^Phase: +Completed/m);
      expect(text).toContain(`\nFailure:    TaskFailed: exited${escaped}\n`);
      expect(text).toMatch(
        new RegExp(
          `^ {2}Ready +False +TaskFailed +\\S+ +\\\\u2066condition${literal(escaped)}$`,
          'm',
        ),
      );
      expect(text).toMatch(
        new RegExp(`^ {2}Warning +WorkflowFailed +\\S+ +event${literal(escaped)}$`, 'm'),
      );
    });
  },
);

function literal(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
