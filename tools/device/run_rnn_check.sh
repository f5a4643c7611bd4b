#!/usr/bin/env bash
# Runs on the lent GPU machine: the recurrent forward kernels (fused in every regime the planner picks, and the
# alternating fallback) through the C ABI (ctypes on torch tensors) against a float64 reference over the correctness
# matrix, against torch nn.LSTM / nn.GRU / nn.RNN on the same weights, and timed beside cuDNN (tools/device/rnn_check.py);
# then the backward the same way, against torch autograd, run twice for bitwise determinism, and forward + backward timed
# beside cuDNN's (tools/device/rnn_backward_check.py); last the plain-Python example (tools/python/lstm_example.py:
# fr_malloc'd memory, no torch) on the GPU. Each runs even when one before fails; the exit status is any one's.
# Carry: .device (tools/device/prepare.sh) and build/native (./build.sh here). RNN_CHECK_QUICK=1 runs a reduced matrix.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/device/native_run_setup.sh
status=0
python3 tools/device/rnn_check.py "$cli" "$out" ${RNN_CHECK_QUICK:+--quick} 2>&1 | tee "$out/rnn_check.log" || status=1
python3 tools/device/rnn_backward_check.py "$cli" "$out" ${RNN_CHECK_QUICK:+--quick} 2>&1 | tee "$out/rnn_backward_check.log" || status=1
python3 tools/python/lstm_example.py --cli "$cli" 2>&1 | tee "$out/lstm_example.log" || status=1
exit "$status"
