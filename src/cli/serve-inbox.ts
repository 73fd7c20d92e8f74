// Wires the drop-folder inbox of `barge serve` (coordinator/inbox/) when one is configured:
// the API's check of a request body from server/, the coordinator and its store, and the
// test set-up's decorator that stops the process between a request's insert and its file's move.
import type { LogSink } from '../core/log-sink.js';
import type { InboxConfig } from '../config/read-inbox.js';
import type { TestHooks } from '../config/test-hooks.js';
import { Inbox, type InboxCoordinator } from '../coordinator/inbox/inbox.js';
import type { InboxMoves } from '../coordinator/inbox/inbox-folder.js';
import { checkRequestSpec } from '../server/check-request-spec.js';
import type { StateStore } from '../state/state-store.js';

/** BARGE_TEST_INBOX_KILL_BEFORE_MOVE: the first move to accepted/ ends the process as kill -9 would */
function killBeforeAccepting(inner: InboxMoves): InboxMoves {
  return {
    move(name, to, as) {
      if (to === 'accepted') process.kill(process.pid, 'SIGKILL');
      inner.move(name, to, as);
    },
  };
}

export async function startInbox(config: InboxConfig | undefined, coordinator: InboxCoordinator, store: StateStore, log: LogSink,
  hooks: TestHooks | undefined): Promise<Inbox | undefined> {
  if (config === undefined) return undefined;
  const inbox = new Inbox({
    config, coordinator, store, check: checkRequestSpec, log,
    ...(hooks?.inboxKillBeforeMove === true ? { wrapMoves: killBeforeAccepting } : {}),
  });
  await inbox.start();
  log.info({ inbox: config.path }, `inbox: watching ${config.path} (a file is read once unchanged for ${config.quietMs / 1000} s)`);
  return inbox;
}
