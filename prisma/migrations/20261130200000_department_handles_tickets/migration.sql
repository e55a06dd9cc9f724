-- Whether a unit may be given tickets (lead, co-handling or sub-dispatched unit). The hotline
-- centre itself and the city above the units register and review tickets but handle none.
ALTER TABLE "departments" ADD COLUMN "handles_tickets" BOOLEAN NOT NULL DEFAULT true;
