/* softsign(x) = x / (1 + |x|), its gradient gy / (1 + |x|)^2, in float32 and float64. */
#include <math.h>
#include <stddef.h>

#define SOFTSIGN(T, SUFFIX, ABS)                                                   \
    void softsign_forward_##SUFFIX(const T *x, T *y, size_t n) {                   \
        for (size_t i = 0; i < n; i++) y[i] = x[i] / ((T)1 + ABS(x[i]));           \
    }                                                                              \
    void softsign_backward_##SUFFIX(const T *x, const T *gy, T *gx, size_t n) {    \
        for (size_t i = 0; i < n; i++) {                                           \
            T d = (T)1 + ABS(x[i]);                                                \
            gx[i] = gy[i] / (d * d);                                               \
        }                                                                          \
    }

SOFTSIGN(float, f32, fabsf)
SOFTSIGN(double, f64, fabs)
