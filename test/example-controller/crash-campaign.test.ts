import { setTimeout as sleep } from 'node:timers/promises';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { it } from 'vitest';
import { expectNothingReportedTwice, seeded, useCampaign } from './crash-harness.js';
import { useJobExecutions } from './job-executions.js';

/**
 * The controller process killed with SIGKILL at random points while executions arrive, start,
 * finish and are deleted (some while it is down), and started again each time: whatever a kill
 * interrupts (a finalizer write, a Job create, a status write, a cleanup), the end state is what
 * one uninterrupted controller would have reached, and nothing is done twice.
 */
describeWithControlPlane('the controller killed again and again', () => {
  const campaign = useCampaign({
    prefix: 'wfe-crash',
    engine: 'job',
    flags: () => ['--cooldown=30m', '--allowed-bundles=registry.invalid/*'],
  });
  const { env } = campaign;
  const random = seeded(20_261_201);
  const rounds = 12;
  const perRound = 3;
  const executions = useJobExecutions(
    campaign,
    { workflowId: 'crash', version: '1', executionBundle: 'registry.invalid/c:1' },
    { rounds, perRound },
  );

  it('ends every execution as one uninterrupted controller would, one Job each, deletions cleaned up', async () => {
    const { deleted } = executions;
    for (let round = 0; round < rounds; round++) {
      // Executions arrive while the controller is down, so each start begins with a burst of
      // starts for the kill to land in; every few rounds a pair on one target arrives too.
      await executions.arrive(round);
      await campaign.killWhileWorking(async () => {
        await sleep(random() * 400);
        if (round % 4 === 1) {
          const name = `wfe-${Math.floor(random() * round * perRound)}`;
          if (!deleted.has(name)) {
            await executions.remove(name);
            await sleep(random() * 200);
          }
        }
      });
      if (round % 4 === 3) {
        // Deleted while the controller is down: one of the executions this kill interrupted,
        // so its Job may exist without the finalizer that would have cleaned it up.
        await executions.remove(`wfe-${round * perRound}`);
      }
    }
    const controller = campaign.start();

    // Pending only as a pair's second, waiting out the first one's cooldown.
    const phases = ['Completed', 'Failed', 'Pending'];
    const settled = await executions.settled({ single: phases, paired: phases }, 120_000);
    controller.kill();

    await executions.expectOneJobPerTarget(settled);
    // However often a kill interrupted it, nothing was reported twice.
    await expectNothingReportedTwice(campaign.admin, env.namespace, /^(Execution|Job)Created$/);
  }, 300_000);
});
