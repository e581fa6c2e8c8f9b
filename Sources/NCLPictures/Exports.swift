// Pictures are drawn from models: `import NCLPictures` sees the model too.
@_exported import NCLModel
