// The lifecycle of a request, written once: its states, which of them are open or final,
// and from which states each action an operator may take is allowed. The store records
// transitions, the coordinator acts on them, the API documents them and the client waits
// on them; all read them here.

/**
 * `staging`: a request from an archive endpoint, while files are still to be brought from
 * tape into the buffer; its tasks run meanwhile (the walk, and the copies of what landed),
 * and it goes on to `running` once nothing is left to stage.
 */
export type RequestState = 'queued' | 'staging' | 'running' | 'finalizing' | 'succeeded' | 'failed' | 'canceled' | 'paused';
export const REQUEST_STATES: readonly RequestState[] = ['queued', 'staging', 'running', 'finalizing', 'succeeded', 'failed', 'canceled', 'paused'];

/**
 * A canceled request's cleanup: at this phase (after every other) its tasks still run, and
 * they only remove the partial files of its large files that did not land (the owner token
 * of each partial says whether it is still this request's to remove).
 */
export const CLEANUP_PHASE = 5;

/** tasks of requests in these states may be leased and run (and a canceled request's at CLEANUP_PHASE) */
export const RUNNING_STATES: readonly RequestState[] = ['staging', 'running', 'finalizing'];
/** not yet at an end: the request may still change */
export const OPEN_STATES: readonly RequestState[] = ['queued', 'staging', 'running', 'finalizing', 'paused'];
/** ends: nothing happens to the request unless it is retried */
export const FINAL_STATES: readonly RequestState[] = ['succeeded', 'failed', 'canceled'];

export type RequestAction = 'cancel' | 'pause' | 'resume' | 'retry';
export const REQUEST_ACTIONS: readonly RequestAction[] = ['cancel', 'pause', 'resume', 'retry'];

/**
 * From which states each action is allowed, and the state it leads to; 'paused-from'
 * is the state the request was in when it was paused (queued when unknown).
 */
export const ACTION_TRANSITIONS: Readonly<Record<RequestAction, { from: readonly RequestState[]; to: RequestState | 'paused-from' }>> = {
  cancel: { from: OPEN_STATES, to: 'canceled' },
  pause: { from: ['queued', 'staging', 'running', 'finalizing'], to: 'paused' },
  resume: { from: ['paused'], to: 'paused-from' },
  retry: { from: ['failed', 'canceled'], to: 'queued' },
};

/** a request's priority may change while it is open (the dispatcher reads it at each lease) */
export const PRIORITY_FROM: readonly RequestState[] = OPEN_STATES;
/** priorities run from 1 (lowest) to 10; 5 unless given */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;

export function isFinal(s: RequestState): boolean {
  return FINAL_STATES.includes(s);
}

/**
 * The `not_before` of a task held until its file is staged (a request from an archive
 * endpoint): queued, so the request cannot finish while it waits, but never leased; the
 * coordinator's stager puts tasks in their place once the files are in the buffer.
 */
export const HELD_UNTIL_STAGED = Number.MAX_SAFE_INTEGER;
