"""Physical constants, exact in the SI since 2019."""

#: Boltzmann constant [J/K] (exact, 2019 SI redefinition).
K_B_J_PER_K = 1.380649e-23
