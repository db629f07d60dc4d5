import {
  ConfigurationError,
  type Logger,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { AwxLookupError } from './awx-errors.js';
import type { JobReader, JobTemplateReader, WorkflowJobReader } from './awx-roles.js';
import { SlicedLaunchFoundError } from './execution-errors.js';
import { executionIdentity, markerVariable } from './execution-identity.js';
import { awxJobRef, ExecutionJobs, missingCredentials } from './execution-jobs.js';
import { restartTemplate } from './fakes.test-support.js';
import type { Job, JobTemplate, WorkflowJob } from './schemas.js';
import { TemplateCatalog } from './template-catalog.js';

const template = restartTemplate;
const settings = {
  conventions: roundhouseConventions,
  clockSkewToleranceMs: 1_000,
  lookbackMs: 60_000,
};

function execution(name: string, extra: Partial<WorkflowExecution> = {}): WorkflowExecution {
  return {
    metadata: { name, namespace: 'team-a', uid: `uid-${name}` },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'registry.example/restart:1',
        engineConfig: { jobTemplateName: template.name },
      },
      targetResource: 'team-a/deployment/app',
      executionEngine: 'ansible',
    },
    ...extra,
  };
}

function jobOf(id: number, wfe: WorkflowExecution): Job {
  const marker = markerVariable(roundhouseConventions);
  return {
    id,
    status: 'running',
    job_template: template.id,
    created: '2026-01-01T00:00:00Z',
    extra_vars: JSON.stringify({ [marker]: executionIdentity(wfe).id }),
    job_explanation: '',
    timeout: 0,
    elapsed: 0,
  };
}

/** Jobs and one template in memory; `since` records the window of the last lookup. */
function fake(
  jobs: Job[],
  templates: JobTemplate[] = [template],
  workflowJobs: WorkflowJob[] = [],
) {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    error: () => {},
    warn: (fields, message) => warnings.push({ fields, message }),
  };
  const seen: { since?: Date } = {};
  const awx: JobTemplateReader & JobReader & WorkflowJobReader = {
    findJobTemplate: async (name) => {
      const found = templates.filter((t) => t.name === name);
      if (found.length !== 1)
        throw new AwxLookupError('GET job_templates/', 'job template', name, []);
      return found[0]!;
    },
    templateCredentials: async () => [],
    launchRequirements: async () => ({
      passwords_needed_to_start: [],
      variables_needed_to_start: [],
      inventory_needed_to_start: false,
    }),
    surveyQuestions: async () => [],
    getJob: async (id) => jobs.find((j) => j.id === id) ?? null,
    findJob: async (query, matches) => {
      seen.since = query.createdAfter;
      return jobs.find(matches) ?? null;
    },
    findWorkflowJob: async (_query, matches) => workflowJobs.find(matches) ?? null,
    jobStdoutTail: async () => '',
    jobStdoutLines: async () => ({ lines: [], total: 0 }),
    jobEvents: async () => ({ events: [], more: false, pageSize: 200 }),
    unshownLines: async () => 0,
  };
  const catalog = new TemplateCatalog(awx, 0, Date.now);
  return { lookups: new ExecutionJobs(awx, catalog, settings, log), catalog, seen, warnings };
}

describe('ExecutionJobs', () => {
  const mine = execution('mine');
  const theirs = execution('theirs');

  it("finds the job executionRef names only when it is this execution's", async () => {
    const { lookups } = fake([jobOf(7, mine), jobOf(8, theirs)]);
    const identity = executionIdentity(mine);
    const withRef = (ref: string) => ({ ...mine, status: { executionRef: { name: ref } } });
    expect((await lookups.owned(withRef(awxJobRef(7)), identity, undefined, undefined))?.id).toBe(
      7,
    );
    expect(await lookups.owned(withRef(awxJobRef(8)), identity, undefined, undefined)).toBeNull();
    expect(await lookups.owned(withRef(awxJobRef(9)), identity, undefined, undefined)).toBeNull();
    expect(await lookups.owned(withRef('job-7'), identity, undefined, undefined)).toBeNull();
  });

  it('finds the job by its marker without executionRef', async () => {
    const { lookups } = fake([jobOf(8, theirs), jobOf(7, mine)]);
    expect((await lookups.owned(mine, executionIdentity(mine), undefined, undefined))?.id).toBe(7);
  });

  it('takes no job of a sliced launch for its own: the workflow job is what it found', async () => {
    const identity = executionIdentity(mine);
    const slice = {
      ...jobOf(7, mine),
      launch_type: 'workflow',
      summary_fields: { credentials: [], source_workflow_job: { id: 61 } },
    };
    const workflow = { id: 61, status: 'running', extra_vars: jobOf(61, mine).extra_vars };
    const error = await fake([jobOf(8, theirs), slice], [template], [workflow])
      .lookups.owned(mine, identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlicedLaunchFoundError);
    expect(error).toMatchObject({ job: 7, workflowJob: 61 });
    // Before it spawned its slices, only the workflow job carries the marker.
    const unspawned = await fake([jobOf(8, theirs)], [template], [workflow])
      .lookups.owned(mine, identity, undefined, undefined)
      .catch((e: unknown) => e);
    expect(unspawned).toMatchObject({ job: undefined, workflowJob: 61 });
    // What reports on a job finds none.
    expect(
      await fake([slice], [template], [workflow]).lookups.reported(
        mine,
        identity,
        undefined,
        undefined,
      ),
    ).toBeNull();
    // A record of the workflow job the launch made needs no search: no job is the launch's.
    const record = {
      credentials: [],
      finished: false,
      template: 3,
      launchedAt: '2026-03-01T10:00:00.000Z',
      workflowJob: 61,
    };
    expect(
      await fake([slice], [template], [workflow]).lookups.recorded(record, identity, undefined),
    ).toBeNull();
    const others = { ...workflow, extra_vars: jobOf(62, theirs).extra_vars };
    expect(
      await fake([jobOf(8, theirs)], [template], [others]).lookups.owned(
        mine,
        identity,
        undefined,
        undefined,
      ),
    ).toBeNull();
  });

  it('finds nothing for a template that does not exist, since nothing was launched', async () => {
    const { lookups } = fake([jobOf(7, mine)], []);
    expect(await lookups.owned(mine, executionIdentity(mine), undefined, undefined)).toBeNull();
  });

  it('names the engine config field when the template cannot be found', async () => {
    const { catalog } = fake([], []);
    await expect(catalog.template('restart', undefined)).rejects.toThrow(ConfigurationError);
  });

  it('finds the job a launch record names, or looks from when its launch was sent', async () => {
    const { lookups, seen } = fake([jobOf(8, theirs), jobOf(7, mine)]);
    const identity = executionIdentity(mine);
    const record = { credentials: [], finished: false };
    expect((await lookups.recorded({ ...record, job: 7 }, identity, undefined))?.id).toBe(7);
    expect(await lookups.recorded({ ...record, job: 8 }, identity, undefined)).toBeNull();
    expect(await lookups.recorded(record, identity, undefined)).toBeNull();
    expect(seen.since).toBeUndefined();
    const sent = { ...record, template: 3, launchedAt: '2026-03-01T10:00:00.000Z' };
    expect((await lookups.recorded(sent, identity, undefined))?.id).toBe(7);
    expect(seen.since?.toISOString()).toBe('2026-03-01T09:59:59.000Z');
    // A job with a record is never looked for by the template name.
    expect(await lookups.owned(mine, identity, record, undefined)).toBeNull();
  });

  it('warns that a job last seen active that AWX no longer shows may still run', async () => {
    const { lookups, warnings } = fake([jobOf(7, mine)]);
    const identity = executionIdentity(mine);
    const at = (phase: 'Running' | 'Failed' | undefined, job: number) => ({
      ...mine,
      status: { executionRef: { name: awxJobRef(job) }, ...(phase ? { phase } : {}) },
    });
    // Deleted once it ended, as AWX allows: nothing to say.
    expect(await lookups.owned(at('Failed', 9), identity, undefined, undefined)).toBeNull();
    expect(await lookups.owned(at('Running', 7), identity, undefined, undefined)).not.toBeNull();
    expect(warnings).toEqual([]);

    expect(await lookups.owned(at('Running', 9), identity, undefined, undefined)).toBeNull();
    expect(await lookups.owned(at(undefined, 10), identity, undefined, undefined)).toBeNull();
    const record = { credentials: [], finished: false, job: 11 };
    expect(await lookups.owned(mine, identity, record, undefined)).toBeNull();
    expect(await lookups.recorded({ ...record, job: 12 }, identity, undefined)).toBeNull();
    expect(warnings.map((w) => w.fields)).toEqual([
      { job: 9 },
      { job: 10 },
      { job: 11 },
      { job: 12 },
    ]);
    expect(warnings[0]?.message).toMatch(
      /AWX job 9, last seen active, is not found.*lost Read.*may still run it/,
    );
  });

  it('tells which of the credentials a job should have it lost', () => {
    const job = {
      ...jobOf(7, mine),
      summary_fields: {
        credentials: [
          { id: 4, name: 'machine' },
          { id: 9, name: 'mine' },
        ],
      },
    };
    expect(missingCredentials(job, [9])).toEqual([]);
    expect(missingCredentials(job, [9, 12])).toEqual([12]);
    expect(missingCredentials(jobOf(7, mine), [9])).toEqual([9]);
  });

  it("looks back to the execution's creation, less the clock skew", async () => {
    const created = execution('dated', {
      metadata: { name: 'dated', namespace: 'team-a', creationTimestamp: '2026-03-01T10:00:00Z' },
    });
    const { lookups } = fake([]);
    expect(lookups.since(created).toISOString()).toBe('2026-03-01T09:59:59.000Z');
    const before = Date.now();
    const undated = lookups.since(mine).getTime();
    expect(undated).toBeGreaterThanOrEqual(before - 61_000);
    expect(undated).toBeLessThanOrEqual(Date.now() - 61_000);
  });
});
