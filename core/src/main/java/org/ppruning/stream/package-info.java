/**
 * What the streaming services share, free of Kafka and Quarkus: topic names, record formats, the
 * versioned model repository, and the engines the thin service adapters drive.
 */
package org.ppruning.stream;
