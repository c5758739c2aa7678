import torch

# The test tensors are small: one thread avoids thread start-up costs and contention on 2 cores.
torch.set_num_threads(1)
