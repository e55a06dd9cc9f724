-- A category the hotline answers on the call (直接答复, e.g. policy enquiries): the dispatch
-- catalogue suggests answering it directly instead of a unit.
ALTER TABLE "categories" ADD COLUMN "answer_directly" BOOLEAN NOT NULL DEFAULT false;
