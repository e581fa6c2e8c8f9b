// Pictures of a d = 2 run (written at evaluation when plots=DIR is set).
struct Pictures {
  let evaluation: Evaluation
  func write(to directory: String) throws {}
}
