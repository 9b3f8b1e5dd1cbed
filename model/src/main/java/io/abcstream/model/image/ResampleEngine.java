package io.abcstream.model.image;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses, once per JVM, the Vector API resampler or the portable scalar one (same pixels). */
final class ResampleEngine {
  // The vector path needs --add-modules jdk.incubator.vector and at least 4 int lanes, and must
  // give the portable
  // implementation's pixels on a self-test; otherwise (or with -Dabc.resample.vector=false) the
  // scalar one runs.

  private static final Logger LOG = LoggerFactory.getLogger(ResampleEngine.class);
  static final boolean VECTOR = detect();

  private ResampleEngine() {}

  /** A short description of the chosen implementation, for logs and benchmark reports. */
  static String describe() {
    return VECTOR
        ? "vector (jdk.incubator.vector, "
            + jdk.incubator.vector.IntVector.SPECIES_PREFERRED.length()
            + " int lanes)"
        : "scalar";
  }

  private static boolean detect() {
    if (!Boolean.parseBoolean(System.getProperty("abc.resample.vector", "true"))) {
      LOG.info("Image resampling: scalar (disabled by -Dabc.resample.vector=false)");
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.info(
          "Image resampling: scalar; start the JVM with --add-modules jdk.incubator.vector for the "
              + "vectorised path (several times faster, same pixels)");
      return false;
    }
    try {
      int lanes = jdk.incubator.vector.IntVector.SPECIES_PREFERRED.length();
      if (lanes < 4) {
        LOG.info("Image resampling: scalar; the Vector API has only {} int lanes here", lanes);
        return false;
      }
      String mismatch = selfTest();
      if (mismatch != null) {
        LOG.warn(
            "Image resampling: scalar; the vectorised resampler failed its self-test: {}",
            mismatch);
        return false;
      }
      LOG.info("Image resampling: vectorised, {} int lanes", lanes);
      return true;
    } catch (LinkageError | RuntimeException e) {
      LOG.warn("Image resampling: scalar; the Vector API failed to initialise: {}", e.toString());
      return false;
    }
  }

  /** Both block kinds, both passes and both input layouts against the portable implementation. */
  private static String selfTest() {
    SplittableRandom random = new SplittableRandom(7);
    byte[] px = new byte[37 * 23 * 3];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) random.nextInt(256);
    }
    RgbImage interleaved = new RgbImage(37, 23, px);
    RgbImage packed = RgbImage.ofPacked(37, 23, interleaved.packed().clone());
    int[][] sizes = {{38, 23}, {13, 47}, {64, 11}, {37, 9}};
    for (int[] size : sizes) {
      byte[] expected =
          PillowResampler.resizeScalar(
                  interleaved, size[0], size[1], PillowResampler.Filter.BICUBIC)
              .rgb();
      for (RgbImage in : new RgbImage[] {interleaved, packed}) {
        byte[] actual =
            VectorResampler.resize(in, size[0], size[1], PillowResampler.Filter.BICUBIC).rgb();
        if (!Arrays.equals(expected, actual)) {
          return "37x23 -> " + size[0] + "x" + size[1] + " differs";
        }
      }
    }
    return null;
  }
}
