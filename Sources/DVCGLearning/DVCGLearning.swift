// DVCGLearning: matrices over OpenBLAS, layers, Adam, safetensors and policy checkpoints (issue 3).
