// The engine is part of the model's API: `import NCLModel` sees tensors and autodiff too.
@_exported import NCLEngine
