/**
 * Run by rootfs.sh at build time (java single-file source mode, with DJL on the class path and
 * DJL_CACHE_DIR pointing into the image's root filesystem): DJL's own loader unpacks its tokenizer
 * library there, in the layout it looks for at run time, so the container unpacks nothing.
 */
public class NativeCache {
  public static void main(String[] args) {
    ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
    System.out.println("NativeCache: DJL tokenizers library unpacked to " + System.getenv("DJL_CACHE_DIR"));
  }
}
