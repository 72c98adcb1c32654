/* The shared actor's three products alone (docs/learning.md, "Speed"): how fast OpenBLAS multiplies the
 * round's shapes on this machine, [N, 6] x [6, 64], [N, 64] x [64, 64], [N, 64] x [64, 21], row-major,
 * y = x W^T + y as Dense.forward calls it. A benchmark, not a test.
 *
 * Build and run: cc -O2 scripts/bench-gemm.c -o /tmp/bench-gemm -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *                   -lopenblas && OPENBLAS_NUM_THREADS=1 /tmp/bench-gemm 1000
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    enum { repetitions = 200, layers = 3 };
    const int sizes[layers + 1] = {6, 64, 64, 21};
    float *x[layers + 1], *w[layers];
    for (int i = 0; i <= layers; i++) {
        x[i] = malloc(sizeof(float) * n * sizes[i]);
        for (int j = 0; j < n * sizes[i]; j++) x[i][j] = rand() / (float)RAND_MAX;
    }
    for (int i = 0; i < layers; i++) {
        w[i] = malloc(sizeof(float) * sizes[i] * sizes[i + 1]);
        for (int j = 0; j < sizes[i] * sizes[i + 1]; j++) w[i][j] = rand() / (float)RAND_MAX - 0.5f;
    }
    double best[layers] = {1e9, 1e9, 1e9}, total = 0;
    for (int r = 0; r < repetitions; r++) {
        double start = now();
        for (int l = 0; l < layers; l++) {
            double a = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, sizes[l + 1], sizes[l], 1.0f, x[l], sizes[l], w[l],
                        sizes[l], 1.0f, x[l + 1], sizes[l + 1]);
            double b = now();
            if (b - a < best[l]) best[l] = b - a;
        }
        total += now() - start;
    }
    printf("N = %d: best per product %.1f %.1f %.1f us; mean of the three together %.1f us (%d repetitions)\n", n,
           best[0] * 1e6, best[1] * 1e6, best[2] * 1e6, total / repetitions * 1e6, repetitions);
    return 0;
}
