package org.ppruning.serve;

import java.nio.file.Path;

/**
 * What became of an offered version: served (swapped in) or refused, and why. The future model
 * event publisher uses {@code reason} as the event's reason.
 *
 * @param task task id
 * @param version the offered version
 * @param dir its SavedModel folder
 * @param accepted true if it serves now
 * @param previous the version served before (0 if none)
 * @param reason why it was refused, or what the swap did
 * @param loadMillis time to load it (0 if it was refused before loading)
 * @param warmMillis time of its warm-up request (0 if not reached)
 */
public record SwapResult(
    String task,
    long version,
    Path dir,
    boolean accepted,
    long previous,
    String reason,
    long loadMillis,
    long warmMillis) {}
