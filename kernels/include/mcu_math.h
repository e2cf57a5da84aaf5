/* mcu_math.h - float transcendental functions for float32 kernels, without libm
 * (kernels/reference/mcu_math.c). Single precision throughout, so they run on the
 * FPv4-SP / FPv5-SP FPU, or as compiler-rt soft-float calls on FPU-less cores.
 *
 * Accuracy (measured against double-precision exp/tanh over the ranges stated, see
 * tests/test_ops_activations.py::test_mcu_math_accuracy):
 *   mcu_expf:  |err| <= 1 ulp of the result (measured 0.9), subnormal results
 *              lose precision gradually; overflow gives +inf, x < -104 gives 0.
 *   mcu_expm1f: |err| <= 3.5 ulp (measured 3.3, just above |x| = ln2/2).
 *   mcu_tanhf: |err| <= 3 ulp (measured 2.5); |x| > 9.1 returns +-1 exactly.
 * NaN in gives NaN out.
 */
#ifndef MCU_MATH_H
#define MCU_MATH_H

float mcu_expf(float x);
float mcu_expm1f(float x);
float mcu_tanhf(float x);

#endif /* MCU_MATH_H */
