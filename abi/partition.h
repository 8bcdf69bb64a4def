/* How a split population's neurons are divided over the ranks of a distributed run: contiguous
 * ranges of whole blocks of MC_PARTITION_BLOCK neurons, as even as whole blocks allow. Shared by
 * generated modules and the host, so both agree on which rank owns a neuron. A block is a
 * multiple of every loop block of the CPU backend's neuron kernels (SIMD padding, fused blocks),
 * so every neuron takes the same vector or scalar path whatever the rank count. */
#ifndef MODELC_ABI_PARTITION_H
#define MODELC_ABI_PARTITION_H

#include <stdint.h>

#define MC_PARTITION_BLOCK 256

static inline int64_t mc_partition_begin(int64_t size, int32_t rank, int32_t num_ranks) {
  const int64_t blocks = (size + MC_PARTITION_BLOCK - 1) / MC_PARTITION_BLOCK;
  const int64_t begin = blocks * (int64_t)rank / (int64_t)num_ranks * MC_PARTITION_BLOCK;
  return begin < size ? begin : size;
}

static inline int64_t mc_partition_end(int64_t size, int32_t rank, int32_t num_ranks) {
  return rank + 1 >= num_ranks ? size : mc_partition_begin(size, rank + 1, num_ranks);
}

#endif /* MODELC_ABI_PARTITION_H */
