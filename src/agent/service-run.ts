// What a service agent's run context adds to the one barge sync builds.

/**
 * Hashes for the manifest; a scan copies its directory's small files itself (a request of
 * many small files is half the tasks, and half the trips through the coordinator); what
 * fails there for a reason a retry may help goes back to the coordinator as a copy task
 * of its own.
 */
export const SERVICE_RUN = { recordHashes: true, copyInScan: true, handBackRetryable: true } as const;
