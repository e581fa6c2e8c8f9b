// NCLHost's API includes the layers below it: `import NCLHost` sees the support layer, the
// engine, the model and the pictures, as it did when they were one module.
@_exported import NCLModel
@_exported import NCLPictures
