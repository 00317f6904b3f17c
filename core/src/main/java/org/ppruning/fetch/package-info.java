/**
 * Fetching registry artifacts by coordinates into a cache outside git, verifying them, and
 * unpacking the archives they come in.
 *
 * <p>{@link org.ppruning.fetch.ArtifactCache} asks the ordinary clients ({@code mvn}, {@code npm})
 * for artifacts by name and version, never by URL; {@link org.ppruning.fetch.Checksums} pins their
 * size and SHA-256; {@link org.ppruning.fetch.Archives} unpacks {@code .tgz} files and (nested)
 * zips so that a crash never leaves a half-written file or folder that looks complete.
 */
package org.ppruning.fetch;
