package io.abcstream.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;

/**
 * Pillow sizes a GIF by its logical screen and places the first frame at its offset on a canvas
 * filled with the frame's transparency index (or index 0), looked up in the frame's palette. The
 * JDK reader returns only the frame; this composes the canvas when the two differ.
 */
final class GifScreen {
  private GifScreen() {}

  static RgbImage composeFirstFrame(
      byte[] d, BufferedImage frame, RgbImage frameRgb, ImageDecoder decoder) {
    if (d.length < 13) {
      return frameRgb;
    }
    int screenW = u16(d, 6);
    int screenH = u16(d, 8);
    int p = 13;
    int flags = d[10] & 0xFF;
    if ((flags & 0x80) != 0) {
      p += 3 << ((flags & 7) + 1);
    }
    int transparency = -1;
    int left = -1;
    int top = -1;
    while (p < d.length) {
      int b = d[p] & 0xFF;
      if (b == 0x21 && p + 1 < d.length) { // extension
        int label = d[p + 1] & 0xFF;
        int q = p + 2;
        if (label == 0xF9 && q + 5 < d.length && (d[q] & 0xFF) >= 4) {
          transparency = (d[q + 1] & 1) != 0 ? d[q + 4] & 0xFF : -1;
        }
        while (q < d.length && (d[q] & 0xFF) != 0) {
          q += (d[q] & 0xFF) + 1;
        }
        p = q + 1;
      } else if (b == 0x2C && p + 9 < d.length) { // image descriptor
        left = u16(d, p + 1);
        top = u16(d, p + 3);
        break;
      } else {
        return frameRgb;
      }
    }
    int fw = frameRgb.width();
    int fh = frameRgb.height();
    if (left < 0
        || screenW <= 0
        || screenH <= 0
        || (screenW == fw && screenH == fh && left == 0 && top == 0)) {
      return frameRgb;
    }
    decoder.checkDimensions(ImageFormat.GIF, screenW, screenH);
    byte r = 0;
    byte g = 0;
    byte bl = 0;
    int fill = transparency >= 0 ? transparency : 0;
    if (frame.getColorModel() instanceof IndexColorModel) {
      IndexColorModel icm = (IndexColorModel) frame.getColorModel();
      if (fill < icm.getMapSize()) {
        r = (byte) icm.getRed(fill);
        g = (byte) icm.getGreen(fill);
        bl = (byte) icm.getBlue(fill);
      }
    }
    byte[] out = new byte[screenW * screenH * 3];
    for (int i = 0; i < out.length; i += 3) {
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = bl;
    }
    byte[] src = frameRgb.rgb();
    int w = Math.min(fw, screenW - left);
    for (int y = 0; y < fh && top + y < screenH; y++) {
      if (w > 0) {
        System.arraycopy(src, y * fw * 3, out, ((top + y) * screenW + left) * 3, w * 3);
      }
    }
    return new RgbImage(screenW, screenH, out);
  }

  private static int u16(byte[] d, int i) {
    return (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8;
  }
}
