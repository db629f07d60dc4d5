/**
 * How much of an agent's answer is read into memory (core's `readBoundedBody`). The agent
 * shares its pod with the commands it runs, which can stand in for it, and the timeout bounds
 * how long an answer takes, not how much of it arrives meanwhile.
 */

/** The most of a success read: a log read's 1 MiB, JSON-escaped, or a long task list, fit. */
export const maxAnswerMiB = 16;

/** The most of an error answer read: the agent's error bodies are a few hundred bytes. */
export const maxErrorBytes = 64 * 1024;
