import { isFinished } from './task-record.js';
import type { TaskSnapshot } from './task-snapshot.js';

/**
 * Whether the deletion of a task, not its workflow, decides how it ends, so that the task
 * counts as gone, as the pod engine counts a Pod its deletion stopped: a task being deleted
 * that has not ended (it is being stopped, or waits for its postStop hook), or that ended
 * because of the deletion (`Stopped`), or after it was asked for. The SIGTERM the deletion
 * sent would otherwise read as the workflow failing. A task that ended before its deletion
 * keeps its verdict, and so does an `Unknown` one: a deletion that stops a running task
 * records `Stopped`, so its outcome was lost before.
 */
export function stoppedByDeletion(task: TaskSnapshot): boolean {
  if (!task.deleting) return false;
  if (!isFinished(task.phase) || task.reason === 'Stopped') return true;
  const end = Date.parse(task.finishedAt ?? '');
  const asked = Date.parse(task.deletionTimestamp ?? '');
  return end > asked;
}
