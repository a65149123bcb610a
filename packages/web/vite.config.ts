import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Relative asset paths, so the built page works from any directory `vmscope serve` is given.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
});
