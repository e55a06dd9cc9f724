// Only `prisma dev` loads @prisma/streams-local; this project does not use it (README, Quick start).
throw new Error("@prisma/streams-local is stubbed out in this project: `prisma dev` is not supported");
