/**
 * Small helpers with no home in a domain package: {@link org.ppruning.util.Progress}, the progress
 * line on stderr (count, rate, time left) that long work such as profiling prints, and {@link
 * org.ppruning.util.Fsync}, which forces files and folders to storage before and after a rename.
 */
package org.ppruning.util;
