/**
 * ABC image input: Pillow-exact decoding and the reference's two-stage preprocessing (no Flink).
 *
 * <pre>{@code
 * ImageDecoder decoder = ImageDecoder.builder().maxPixels(ImageDecoder.PILLOW_MAX_IMAGE_PIXELS).build();
 * AbcPreprocessor pre = AbcPreprocessor.builder().pixels(256 * 28 * 28, 1024 * 28 * 28).build();
 * PreprocessedImage img = pre.decodeAndPreprocess(decoder, bytes);   // ImageException on bad input
 * img.gridThw();            // {1, h/14, w/14}
 * img.numImageTokens();     // <|image_pad|> count = gridH * gridW / 4
 * img.writePixelRows(batchRows, offset);  // numPatches() x 1176 float32, at collation time
 * }</pre>
 *
 * <p>Fidelity, checked against Debian's Pillow 9.4 / numpy by the tests (goldens from {@code
 * model/src/test/python/gen_image_goldens.py}): stage-1 and stage-2 uint8 images bit-identical,
 * float rows bit-identical; PNG (all bit depths and colour types), GIF (first frame, logical
 * screen), lossless WebP, BMP, TIFF, and JPEG (baseline/progressive 4:2:0, 4:2:2, 4:4:4, greyscale,
 * CMYK) decode bit-identical. Greyscale and YCbCr/RGB JPEGs go through {@link
 * io.abcstream.model.image.NativeJpeg} (Pillow's own libjpeg-turbo and settings) when it is
 * available, so every subsampling matches by construction. Known differences: lossy WebP
 * (TwelveMonkeys' VP8 decoder vs libwebp: mean |diff| 2-4, max ~100); on the ImageIO fallback, JPEG
 * 4:4:0 and other unusual subsamplings (the JDK's libjpeg 6b lacks fancy h1v2 upsampling); Adobe
 * YCCK JPEG implemented per libjpeg but untested.
 *
 * <p>Thread-safety: {@link io.abcstream.model.image.ImageDecoder}, {@link
 * io.abcstream.model.image.AbcPreprocessor} and {@link io.abcstream.model.image.PreprocessedImage}
 * are immutable and thread-safe.
 */
package io.abcstream.model.image;
