/*
 * abc_jpeg.c: JNI JPEG decoder for io.abcstream.model.image.NativeJpeg.
 *
 * Decodes with libjpeg-turbo's libjpeg API using the settings Pillow 9.4 uses for
 * PIL.Image.open(f).convert("RGB") (src/libImaging/JpegDecode.c, src/decode.c), so the pixels equal
 * Pillow's by construction when both use the same libjpeg-turbo (2.1.5 on Debian 12):
 *   - jpeg_color_space as libjpeg guesses it from the markers (Pillow passes an empty "jpegmode");
 *   - default decompression parameters: JDCT_ISLOW, fancy upsampling, block smoothing, scale 1/1;
 *   - 3 components (Pillow mode "RGB"): libjpeg-turbo's extended RGBX output (Pillow's rawmode "RGBX");
 *     here the byte order of that output is chosen so that one pixel is one native-endian int 0xXXRRGGBB;
 *   - 1 component (Pillow mode "L", then convert("RGB") replicates the grey value): grey→RGBX in libjpeg,
 *     which replicates the same sample into R, G and B;
 *   - data missing at the end (Pillow: the suspending source runs dry, "image file is truncated") is an
 *     error when libjpeg asks for more data before jpeg_finish_decompress; other warnings are ignored.
 * Anything else (4-component CMYK/YCCK, other precisions, features not compiled in) is reported as
 * unsupported, and the Java side falls back to its ImageIO path.
 *
 * Memory: libjpeg's own allocations are capped by max_memory_to_use (the caller's decode-memory limit):
 * a progressive or multi-scan JPEG keeps every DCT coefficient (2 bytes per sample) until its last scan,
 * and with no backing store compiled in, a request above the cap fails (JERR_NO_BACKING_STORE) before any
 * pixel is decoded; that and JERR_OUT_OF_MEMORY are reported as ABC_TOO_LARGE.
 * The input is copied once into a native buffer (libjpeg keeps pointers into it for the whole
 * decode); rows go straight into a caller's Java int[], at most ABC_BATCH_PIXELS per call under
 * Get/ReleasePrimitiveArrayCritical. Every path calls jpeg_destroy_decompress and frees what it allocated.
 *
 * The library does not use jpeg_std_error (jerror.c): it installs its own error manager with the message
 * table generated from jerror.h. This keeps the error path free of stdio and lets the library link libjpeg
 * statically even when libjpeg.a is built as PIE rather than PIC (jerror.c is its only object that refers
 * to a libc data symbol, stderr).
 */
#include <jni.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* Status codes shared with NativeJpeg.java. */
#define ABC_OK 0
#define ABC_UNSUPPORTED 1
#define ABC_TRUNCATED 2
#define ABC_CORRUPT 3
#define ABC_TOO_LARGE 4

/* Bump with any change of the JNI signatures or status codes (NativeJpeg.ABI must match). */
#define ABC_ABI 4

/* Pixels decoded per critical section (bounds how long the GC may be held off). */
#define ABC_BATCH_PIXELS (128 * 1024)
#define ABC_BATCH_MAX_ROWS 64

#ifndef ABC_JPEG_LINK
#define ABC_JPEG_LINK "unknown"
#endif

#define ABC_STR2(x) #x
#define ABC_STR(x) ABC_STR2(x)

#if defined(JCS_EXTENSIONS) && (JPEG_LIB_VERSION >= 80 || defined(MEM_SRCDST_SUPPORTED))
#define ABC_CAPABLE 1
#else
#define ABC_CAPABLE 0
#endif

#if ABC_CAPABLE
/* One pixel = one int 0xXXRRGGBB in native byte order. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ABC_OUT_SPACE JCS_EXT_BGRX
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ABC_OUT_SPACE JCS_EXT_XRGB
#else
#error "cannot tell the byte order of this target"
#endif
#endif

/*
 * libjpeg's message strings, in J_MESSAGE_CODE order (the way jerror.c builds jpeg_std_message_table).
 * Two entries name macros of libjpeg's private jversion.h.
 */
#ifndef JVERSION
#define JVERSION "libjpeg"
#endif
#ifndef JCOPYRIGHT_SHORT
#define JCOPYRIGHT_SHORT ""
#endif
#define JMESSAGE(code, string) string,
static const char *const abc_messages[] = {
#include <jerror.h>
    NULL
};
#define ABC_LAST_MESSAGE ((int)(sizeof(abc_messages) / sizeof(abc_messages[0])) - 2)

typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
    jmp_buf jump;
    int finishing;             /* set once every scanline was read (jpeg_finish_decompress) */
    int status;                /* ABC_* after a longjmp */
    char message[JMSG_LENGTH_MAX + 64];
} abc_error;

/*
 * Everything that must survive a longjmp lives on the heap (calloc), never in automatic variables
 * modified after setjmp.
 */
typedef struct {
    struct jpeg_decompress_struct cinfo;
    abc_error err;
    unsigned char *input;
    jintArray out;
    jint *critical; /* non-NULL while the output array is pinned */
    unsigned char *scratch; /* one scanline for rows decoded only to be skipped (finish0) */
    int failed;             /* streaming: set after an error (or the end); only close0 may follow */
} abc_ctx;

static void abc_format_message(j_common_ptr cinfo, char *buffer) {
    struct jpeg_error_mgr *err = cinfo->err;
    int code = err->msg_code;
    const char *text = NULL;
    if (code > 0 && code <= ABC_LAST_MESSAGE) {
        text = abc_messages[code];
    }
    if (text == NULL) {
        snprintf(buffer, JMSG_LENGTH_MAX, "libjpeg message %d", code);
        return;
    }
    /* Same rule as libjpeg's format_message: a "%s" anywhere means the string parameter. */
    if (strstr(text, "%s") != NULL) {
        snprintf(buffer, JMSG_LENGTH_MAX, text, err->msg_parm.s);
    } else {
        snprintf(buffer, JMSG_LENGTH_MAX, text, err->msg_parm.i[0], err->msg_parm.i[1], err->msg_parm.i[2],
                 err->msg_parm.i[3], err->msg_parm.i[4], err->msg_parm.i[5], err->msg_parm.i[6],
                 err->msg_parm.i[7]);
    }
}

/* Errors that mean "a kind of JPEG this decoder leaves to the fallback", not "broken data". */
static int abc_is_unsupported(int code) {
    return code == JERR_BAD_PRECISION || code == JERR_NOT_COMPILED || code == JERR_CONVERSION_NOTIMPL
           || code == JERR_BAD_LIB_VERSION || code == JERR_BAD_STRUCT_SIZE;
}

/* Errors that mean "needs more memory than the cap allows". */
static int abc_is_too_large(int code) {
    return code == JERR_NO_BACKING_STORE || code == JERR_OUT_OF_MEMORY;
}

static void abc_error_exit(j_common_ptr cinfo) {
    abc_error *err = (abc_error *)cinfo->err;
    abc_format_message(cinfo, err->message);
    err->status = abc_is_unsupported(err->pub.msg_code) ? ABC_UNSUPPORTED
                  : abc_is_too_large(err->pub.msg_code) ? ABC_TOO_LARGE
                                                        : ABC_CORRUPT;
    longjmp(err->jump, 1);
}

static void abc_emit_message(j_common_ptr cinfo, int msg_level) {
    abc_error *err = (abc_error *)cinfo->err;
    if (msg_level >= 0) {
        return; /* trace messages */
    }
    err->pub.num_warnings++;
    /*
     * The memory source warns JWRN_JPEG_EOF and inserts a fake EOI when libjpeg wants bytes past the end.
     * Pillow's suspending source stops at that same point and raises "image file is truncated", unless all
     * scanlines were already read (jpeg_finish_decompress may suspend there). Other warnings (corrupt data,
     * extraneous bytes) do not fail in Pillow either.
     */
    if (err->pub.msg_code == JWRN_JPEG_EOF && !err->finishing) {
        abc_format_message(cinfo, err->message);
        err->status = ABC_TRUNCATED;
        longjmp(err->jump, 1);
    }
}

static void abc_output_message(j_common_ptr cinfo) {
    (void)cinfo; /* never print */
}

static void abc_reset_error_mgr(j_common_ptr cinfo) {
    cinfo->err->num_warnings = 0;
    cinfo->err->msg_code = 0;
}

/* What jpeg_std_error sets up, with the handlers above. */
static struct jpeg_error_mgr *abc_init_error(abc_error *err) {
    memset(&err->pub, 0, sizeof(err->pub));
    err->pub.error_exit = abc_error_exit;
    err->pub.emit_message = abc_emit_message;
    err->pub.output_message = abc_output_message;
    err->pub.format_message = abc_format_message;
    err->pub.reset_error_mgr = abc_reset_error_mgr;
    err->pub.trace_level = 0;
    err->pub.num_warnings = 0;
    err->pub.msg_code = 0;
    err->pub.jpeg_message_table = abc_messages;
    err->pub.last_jpeg_message = ABC_LAST_MESSAGE;
    err->pub.addon_message_table = NULL;
    err->pub.first_addon_message = 0;
    err->pub.last_addon_message = 0;
    return &err->pub;
}

/* Fails the decode with a status and message (only between setjmp and the end of the decode). */
static void abc_fail(abc_ctx *ctx, int status, const char *message) {
    ctx->err.status = status;
    snprintf(ctx->err.message, sizeof(ctx->err.message), "%s", message);
    longjmp(ctx->err.jump, 1);
}

static void abc_set_info(JNIEnv *env, jintArray info, jint status, jint width, jint height) {
    jint v[3];
    v[0] = status;
    v[1] = width;
    v[2] = height;
    (*env)->SetIntArrayRegion(env, info, 0, 3, v);
}

static void abc_throw(JNIEnv *env, const char *cls, const char *message) {
    jclass c = (*env)->FindClass(env, cls);
    if (c != NULL) {
        (*env)->ThrowNew(env, c, message);
    }
}

JNIEXPORT jint JNICALL Java_io_abcstream_model_image_NativeJpeg_abi0(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return ABC_ABI;
}

JNIEXPORT jboolean JNICALL Java_io_abcstream_model_image_NativeJpeg_capable0(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return ABC_CAPABLE ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jstring JNICALL Java_io_abcstream_model_image_NativeJpeg_info0(JNIEnv *env, jclass cls) {
    (void)cls;
#ifdef LIBJPEG_TURBO_VERSION
    const char *lib = "libjpeg-turbo " ABC_STR(LIBJPEG_TURBO_VERSION);
#else
    const char *lib = "libjpeg (not libjpeg-turbo)";
#endif
    char buf[256];
    snprintf(buf, sizeof(buf), "%s, libjpeg API %d, %s, %s", lib, JPEG_LIB_VERSION, ABC_JPEG_LINK,
             ABC_CAPABLE ? "RGBX output" : "no extended colour spaces: unusable");
    return (*env)->NewStringUTF(env, buf);
}

#if ABC_CAPABLE
/*
 * Reads the header, checks it (colour space, size, pixel limit) and starts decompression with Pillow's
 * settings; longjmps (through ctx->err) on any failure. Returns width * height.
 */
static uint64_t abc_start(abc_ctx *ctx, jlong maxPixels) {
    jpeg_read_header(&ctx->cinfo, TRUE);

    struct jpeg_decompress_struct *ci = &ctx->cinfo;
    if (ci->data_precision != 8) {
        abc_fail(ctx, ABC_UNSUPPORTED, "not 8-bit");
    }
    if (!((ci->num_components == 1 && ci->jpeg_color_space == JCS_GRAYSCALE)
          || (ci->num_components == 3 && (ci->jpeg_color_space == JCS_YCbCr || ci->jpeg_color_space == JCS_RGB)))) {
        abc_fail(ctx, ABC_UNSUPPORTED, "colour space handled by the fallback");
    }
    if (ci->image_width == 0 || ci->image_height == 0 || ci->image_width > 0x7fffffffu
        || ci->image_height > 0x7fffffffu) {
        abc_fail(ctx, ABC_CORRUPT, "invalid image dimensions");
    }
    /* Overflow-safe: both factors are < 2^31, so the product fits in 64 bits. */
    uint64_t pixels = (uint64_t)ci->image_width * (uint64_t)ci->image_height;
    if (pixels > (uint64_t)maxPixels || pixels > (uint64_t)(0x7fffffff / 4)) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%llu pixels, limit is %lld", (unsigned long long)pixels, (long long)maxPixels);
        abc_fail(ctx, ABC_TOO_LARGE, msg);
    }

    /* Pillow's settings (its defaults; set explicitly to document them). */
    ci->out_color_space = ABC_OUT_SPACE;
    ci->dct_method = JDCT_ISLOW;
    ci->do_fancy_upsampling = TRUE;
    ci->do_block_smoothing = TRUE;
    ci->scale_num = 1;
    ci->scale_denom = 1;
    ci->quantize_colors = FALSE;
    ci->buffered_image = FALSE;
    ci->raw_data_out = FALSE;

    jpeg_start_decompress(ci);
    if (ci->output_width != ci->image_width || ci->output_height != ci->image_height
        || ci->output_components != 4) {
        abc_fail(ctx, ABC_CORRUPT, "unexpected output geometry");
    }
    return pixels;
}
#endif

/*
 * Streaming: open0 reads the header and starts decompression, read0 decodes the next rows into a caller's
 * int[] (so a consumer can take an image a few rows at a time and no full-size pixel array exists),
 * finish0 decodes what is left and ends the decode (truncation is checked as Pillow does), close0 frees
 * everything. A whole-image decode is the same calls reading every row into one array (NativeJpeg.decode).
 * The handle is the native context; the Java side calls close0 exactly once and never uses a handle
 * concurrently. After a failure the context only accepts close0.
 */
static void abc_set_message(JNIEnv *env, jobjectArray message, const char *text) {
    jstring m = (*env)->NewStringUTF(env, text);
    if (m != NULL) {
        (*env)->SetObjectArrayElement(env, message, 0, m);
    }
}

static void abc_free(abc_ctx *ctx) {
    jpeg_destroy_decompress(&ctx->cinfo);
    free(ctx->scratch);
    free(ctx->input);
    free(ctx);
}

/*
 * long open0(byte[] data, int length, long maxPixels, long maxMemory, int[] info, String[] message): 0 on
 * failure.
 */
JNIEXPORT jlong JNICALL Java_io_abcstream_model_image_NativeJpeg_open0(JNIEnv *env, jclass cls, jbyteArray data,
                                                                       jint length, jlong maxPixels,
                                                                       jlong maxMemory, jintArray info,
                                                                       jobjectArray message) {
    (void)cls;
    if (data == NULL || info == NULL || message == NULL || (*env)->GetArrayLength(env, info) < 3
        || (*env)->GetArrayLength(env, message) < 1 || length <= 0
        || length > (*env)->GetArrayLength(env, data) || maxPixels <= 0 || maxMemory <= 0) {
        abc_throw(env, "java/lang/IllegalArgumentException", "open0: bad arguments");
        return 0;
    }
#if !ABC_CAPABLE
    abc_set_info(env, info, ABC_UNSUPPORTED, 0, 0);
    abc_set_message(env, message, "built without libjpeg-turbo's extended colour spaces");
    return 0;
#else
    /* libjpeg keeps pointers into the input for the whole decode: copy it once. */
    abc_ctx *ctx = (abc_ctx *)calloc(1, sizeof(abc_ctx));
    if (ctx == NULL) {
        abc_throw(env, "java/lang/OutOfMemoryError", "native JPEG decoder context");
        return 0;
    }
    ctx->input = (unsigned char *)malloc((size_t)length);
    if (ctx->input == NULL) {
        free(ctx);
        abc_throw(env, "java/lang/OutOfMemoryError", "native JPEG input buffer");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, data, 0, length, (jbyte *)ctx->input);
    if ((*env)->ExceptionCheck(env)) {
        free(ctx->input);
        free(ctx);
        return 0;
    }
    ctx->cinfo.err = abc_init_error(&ctx->err);
    if (setjmp(ctx->err.jump)) {
        jint st = ctx->err.status == ABC_OK ? ABC_CORRUPT : ctx->err.status;
        jint w = ctx->cinfo.image_width <= 0x7fffffffu ? (jint)ctx->cinfo.image_width : -1;
        jint h = ctx->cinfo.image_height <= 0x7fffffffu ? (jint)ctx->cinfo.image_height : -1;
        ctx->err.message[sizeof(ctx->err.message) - 1] = 0;
        abc_set_info(env, info, st, w, h);
        abc_set_message(env, message, ctx->err.message);
        abc_free(ctx);
        return 0;
    }
    jpeg_create_decompress(&ctx->cinfo);
    ctx->cinfo.mem->max_memory_to_use = (long)maxMemory;
    jpeg_mem_src(&ctx->cinfo, ctx->input, (unsigned long)length);
    abc_start(ctx, maxPixels);
    abc_set_info(env, info, ABC_OK, (jint)ctx->cinfo.output_width, (jint)ctx->cinfo.output_height);
    return (jlong)(intptr_t)ctx;
#endif
}

/*
 * int read0(long handle, int[] dst, int offset, int rows, String[] message): decodes up to rows rows into
 * dst[offset...] (width ints each); returns the number decoded (0 once all were read), or -status.
 */
JNIEXPORT jint JNICALL Java_io_abcstream_model_image_NativeJpeg_read0(JNIEnv *env, jclass cls, jlong handle,
                                                                      jintArray dst, jint offset, jint rows,
                                                                      jobjectArray message) {
    (void)cls;
    abc_ctx *ctx = (abc_ctx *)(intptr_t)handle;
    if (ctx == NULL || dst == NULL || message == NULL || (*env)->GetArrayLength(env, message) < 1 || rows < 0
        || offset < 0) {
        abc_throw(env, "java/lang/IllegalArgumentException", "read0: bad arguments");
        return -ABC_CORRUPT;
    }
    if (ctx->failed) {
        abc_set_message(env, message, "decoder already failed");
        return -ABC_CORRUPT;
    }
    struct jpeg_decompress_struct *ci = &ctx->cinfo;
    jint width = (jint)ci->output_width;
    jint left = (jint)(ci->output_height - ci->output_scanline);
    jint n = rows < left ? rows : left;
    /* Bounds how long the array stays pinned (and the GC held off) per call. */
    jint cap = ABC_BATCH_PIXELS / width;
    if (cap < 1) {
        cap = 1;
    } else if (cap > ABC_BATCH_MAX_ROWS) {
        cap = ABC_BATCH_MAX_ROWS;
    }
    if (n > cap) {
        n = cap;
    }
    if (n == 0) {
        return 0;
    }
    if ((int64_t)offset + (int64_t)n * width > (int64_t)(*env)->GetArrayLength(env, dst)) {
        abc_throw(env, "java/lang/IndexOutOfBoundsException", "read0: destination too small");
        return -ABC_CORRUPT;
    }
    ctx->out = dst;
    if (setjmp(ctx->err.jump)) {
        if (ctx->critical != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, ctx->out, ctx->critical, JNI_ABORT);
            ctx->critical = NULL;
        }
        ctx->failed = 1;
        ctx->err.message[sizeof(ctx->err.message) - 1] = 0;
        abc_set_message(env, message, ctx->err.message);
        return -(ctx->err.status == ABC_OK ? ABC_CORRUPT : ctx->err.status);
    }
    JSAMPROW lines[ABC_BATCH_MAX_ROWS];
    ctx->critical = (jint *)(*env)->GetPrimitiveArrayCritical(env, dst, NULL);
    if (ctx->critical == NULL) {
        abc_fail(ctx, ABC_CORRUPT, "could not pin the pixel array");
    }
    for (jint i = 0; i < n; i++) {
        lines[i] = (JSAMPROW)(ctx->critical + offset + (size_t)i * (size_t)width);
    }
    jint done = 0;
    while (done < n) {
        JDIMENSION got = jpeg_read_scanlines(ci, lines + done, (JDIMENSION)(n - done));
        if (got == 0) {
            abc_fail(ctx, ABC_CORRUPT, "libjpeg returned no scanlines");
        }
        done += (jint)got;
    }
    (*env)->ReleasePrimitiveArrayCritical(env, dst, ctx->critical, 0);
    ctx->critical = NULL;
    return n;
}

/* int finish0(long handle, String[] message): decodes the rows not read yet, ends the decode; 0 or -status. */
JNIEXPORT jint JNICALL Java_io_abcstream_model_image_NativeJpeg_finish0(JNIEnv *env, jclass cls, jlong handle,
                                                                        jobjectArray message) {
    (void)cls;
    abc_ctx *ctx = (abc_ctx *)(intptr_t)handle;
    if (ctx == NULL || message == NULL || (*env)->GetArrayLength(env, message) < 1) {
        abc_throw(env, "java/lang/IllegalArgumentException", "finish0: bad arguments");
        return -ABC_CORRUPT;
    }
    if (ctx->failed) {
        abc_set_message(env, message, "decoder already failed");
        return -ABC_CORRUPT;
    }
    struct jpeg_decompress_struct *ci = &ctx->cinfo;
    if (setjmp(ctx->err.jump)) {
        ctx->failed = 1;
        ctx->err.message[sizeof(ctx->err.message) - 1] = 0;
        abc_set_message(env, message, ctx->err.message);
        return -(ctx->err.status == ABC_OK ? ABC_CORRUPT : ctx->err.status);
    }
    if (ci->output_scanline < ci->output_height) {
        if (ctx->scratch == NULL) {
            ctx->scratch = (unsigned char *)malloc((size_t)ci->output_width * 4);
            if (ctx->scratch == NULL) {
                abc_fail(ctx, ABC_CORRUPT, "out of memory for a scanline");
            }
        }
        JSAMPROW line = ctx->scratch;
        while (ci->output_scanline < ci->output_height) {
            if (jpeg_read_scanlines(ci, &line, 1) == 0) {
                abc_fail(ctx, ABC_CORRUPT, "libjpeg returned no scanlines");
            }
        }
    }
    ctx->err.finishing = 1;
    jpeg_finish_decompress(ci);
    ctx->failed = 1; /* finished: only close0 from here */
    return 0;
}

/* void close0(long handle) */
JNIEXPORT void JNICALL Java_io_abcstream_model_image_NativeJpeg_close0(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    abc_ctx *ctx = (abc_ctx *)(intptr_t)handle;
    if (ctx != NULL) {
        abc_free(ctx);
    }
}
