export type * from "./scenario/ast.js";
