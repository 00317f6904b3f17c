/**
 * Small helpers with no home in a domain package: {@link org.ppruning.util.Progress}, the progress
 * line on stderr (count, rate, time left) that long work such as profiling prints.
 */
package org.ppruning.util;
