/*
 * fr_scan_args.h: the single argument of the scan kernels, shared by the host (C++, interop/native) and the
 * device (NVRTC, kernels/scan.cu), so the two can never disagree on a field. Plain C, no includes.
 *
 * Layout: a, b, h, dh, da, db are [B, T, H, D] with stride 1 over D and the given strides (in elements) over
 * (B, T, H); h0, h_last, dh_last, dh0 are contiguous [B, H, D] (or [num_seqs, H, D] with cu_seqlens).
 * Variable lengths (FLA convention): B = 1, cu_seqlens holds num_seqs + 1 increasing offsets into T, and each
 * sequence has its own h0 / h_last row. Without cu_seqlens, cu_seqlens = 0 and num_seqs = B.
 * Pointers that a kernel does not use (the forward's dh, ...) are 0; optional ones (h0, h_last, dh_last, dh0) may be 0.
 */
#ifndef FR_SCAN_ARGS_H
#define FR_SCAN_ARGS_H

typedef long long fr_i64;

typedef struct fr_scan_args {
    const void* a;
    const void* b;        /* forward only */
    const void* h0;       /* optional */
    void* h;              /* forward: written; backward: read (the forward's output) */
    void* h_last;         /* forward, optional */
    const void* dh;       /* backward */
    const void* dh_last;  /* backward, optional */
    void* da;             /* backward */
    void* db;             /* backward */
    void* dh0;            /* backward, optional */
    const fr_i64* cu_seqlens;
    int batch;
    int steps;
    int heads;
    int dim;
    int num_seqs;
    int reserved;
    fr_i64 a_stride[3];   /* strides over (B, T, H) */
    fr_i64 b_stride[3];
    fr_i64 h_stride[3];
    fr_i64 dh_stride[3];
    fr_i64 da_stride[3];
    fr_i64 db_stride[3];
} fr_scan_args;

#endif /* FR_SCAN_ARGS_H */
